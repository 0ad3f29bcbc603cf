import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/telemetry-names.ts';
import { propertiesOf, synth } from './synth.ts';

const defaults = synth();

describe('function', () => {
  it('runs on Node.js 24, arm64, with the configured memory and the budget timeout', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 2,
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          MAPPINGS_PARAMETER: Match.anyValue(),
          MAPPINGS_TTL_SECONDS: '60',
          VALIDATE_MODE: 'warn',
          FAIL_CLOSED: 'false',
          PATH_TOKEN_CHECKED_UPSTREAM: 'true',
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
  });

  it('logs to its own log group with retention', () => {
    defaults.template.resourceCountIs('AWS::Logs::LogGroup', 2);
    defaults.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('has a role with no managed policies, reading only the mappings parameter (never the token secret)', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
    const statements = propertiesOf(defaults.template, 'AWS::IAM::Policy').flatMap(
      (p) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const ssmStatements = statements.filter((s) => JSON.stringify(s.Action).includes('ssm:'));
    expect(JSON.stringify(ssmStatements)).not.toContain('"*"');
    expect(JSON.stringify(ssmStatements)).toContain('MappingsParameter');
    expect(ssmStatements.map((s) => s.Action)).toEqual(['ssm:GetParameter']);
    // API Gateway checks the token: no secretsmanager:GetSecretValue, no unused DescribeSecret.
    expect(JSON.stringify(statements)).not.toContain('secretsmanager:');
    expect(JSON.stringify(statements)).not.toContain('aws/reference/secretsmanager');
    for (const s of statements) expect(s.Resource).not.toBe('*');
  });

  it.each([
    [
      { memorySize: 1024, timeoutSeconds: 8, webhookTimeoutSeconds: 15 },
      { MemorySize: 1024, Timeout: 8 },
    ],
    [{ webhookTimeoutSeconds: 10 }, { Timeout: 9 }],
    [{ reservedConcurrency: 20 }, { ReservedConcurrentExecutions: 20 }],
    [{ tracing: true }, { TracingConfig: { Mode: 'Active' } }],
  ])('applies %j', (context, properties) => {
    synth(context).template.hasResourceProperties('AWS::Lambda::Function', properties);
  });

  it('reserves a small concurrency by default, so other functions cannot starve the webhook; none unreserves', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 10,
      TracingConfig: Match.absent(),
    });
    synth({ reservedConcurrency: 'none' }).template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('provisioned concurrency puts a live alias between API Gateway and the function', () => {
    const { template } = synth({ provisionedConcurrency: 2 });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    const methods = JSON.stringify(template.findResources('AWS::ApiGateway::Method'));
    expect(methods).toContain('WebhookLive');
    defaults.template.resourceCountIs('AWS::Lambda::Alias', 0);
  });

  it('bundles with the local esbuild (no Docker) into an ESM asset', () => {
    const { template } = synth({}, true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
  }, 60_000);
});
