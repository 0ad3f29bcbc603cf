/** Synthesizes the stack for the infra tests. */
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../infra/app.ts';
import { FIXTURES_DIR } from '../helpers/fixtures.ts';

/** The repository root. */
export const ROOT = join(FIXTURES_DIR, '..', '..');

/** Synthesizes the stack with the given context; bundling skipped unless asked (it is tested once). */
export function synth(context: Record<string, unknown> = {}, bundle = false) {
  const { app, stack } = createApp({
    context: { ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every option that adds resources or changes them, at once (cfn-lint and cdk-nag run on it). */
export const FULL_OPTIONS = {
  stackName: 'WebhookFull',
  allowedSourceCidrs: '203.0.113.0/24',
  waf: true,
  wafRateLimit: 2000,
  alarmEmail: 'ops@example.com',
  provisionedConcurrency: 1,
  reservedConcurrency: 5,
  tracing: true,
  domainName: 'webhook.example.com',
  certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab',
  noReviewsMinutes: 30,
  tags: 'team=platform,env=prod',
  terminationProtection: true,
  apiGatewayCloudWatchRole: 'arn:aws:iam::123456789012:role/apigw-logs',
  pathTokenVersion: '01234567-89ab-cdef-0123-456789abcdef',
  webhookTimeoutSeconds: 5,
} as const;

/** The properties of every resource of a type. */
export const propertiesOf = (template: Template, type: string) =>
  Object.values(template.findResources(type)).map(
    (r) => (r as { Properties: Record<string, unknown> }).Properties,
  );
