import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resembledOption } from '../../infra/context.ts';
import { editDistance } from '../../infra/context-parsers.ts';
import { OPTIONS } from '../../infra/options.ts';
import { ROOT, synth } from './synth.ts';

describe('context values', () => {
  it.each([
    [
      { memorySize: 'lots' },
      'context memorySize="lots" is invalid: expected a whole number from 128 to 10240',
    ],
    [{ validateMode: 'block' }, 'context validateMode="block" is invalid: expected warn or deny'],
    [
      { allowedSourceCidrs: '10.0.0.0' },
      'context allowedSourceCidrs="10.0.0.0" is invalid: expected items like 203.0.113.0/24',
    ],
    [
      { vpcEndpointIds: 'vpc-1' },
      'context vpcEndpointIds="vpc-1" is invalid: expected items like vpce-0123456789abcdef0',
    ],
    [{ logRetentionDays: 10 }, 'context logRetentionDays=10 is invalid: expected one of 1, 3, 5, 7, 14, 30'],
    [{ alarmEmail: 'ops' }, 'context alarmEmail="ops" is invalid: expected an email address'],
    [{ waf: 'yes' }, 'context waf="yes" is invalid: expected true or false'],
    [
      { timeoutSeconds: 10, webhookTimeoutSeconds: 10 },
      'timeoutSeconds (10) must be below webhookTimeoutSeconds (10)',
    ],
    [{ timeoutSeconds: 1 }, 'timeoutSeconds (1) leaves no room for a cold start'],
    [
      { webhookTimeoutSeconds: 2 },
      'context webhookTimeoutSeconds=2 is invalid: expected a whole number from 3 to 30',
    ],
    [{ endpointType: 'PRIVATE' }, 'endpointType PRIVATE needs vpcEndpointIds'],
    [
      { vpcEndpointIds: 'vpce-0123456789abcdef0' },
      'vpcEndpointIds (vpce-0123456789abcdef0) only apply to endpointType PRIVATE',
    ],
    [
      { provisionedConcurrency: 5, reservedConcurrency: 2 },
      'provisionedConcurrency (5) cannot exceed reservedConcurrency (2)',
    ],
    [
      { apiLatencyP99Ms: 10000, webhookTimeoutSeconds: 10 },
      'apiLatencyP99Ms (10000) must be below the webhook timeout (10000 ms)',
    ],
    [{ apiLatencyP99Ms: 3000 }, 'apiLatencyP99Ms (3000) must be below the webhook timeout (3000 ms)'],
    [{ mappingsParameterName: 'no-slash' }, 'context mappingsParameterName="no-slash" is invalid'],
    [{ apiGatewayCloudWatchRole: 'yes' }, 'expected create, existing or an IAM role ARN'],
    [{ tags: 'team' }, 'context tags="team" is invalid'],
    [{ tags: 'aws:x=1' }, 'context tags="aws:x=1" is invalid'],
    [{ domainName: 'Webhook.Example.com' }, 'expected a lower-case DNS name'],
    [{ noReviewsMinutes: 1 }, 'expected a whole number from 5 to 1440'],
    [{ reservedConcurrency: 0 }, 'expected a whole number from 1 to 10000'],
  ])('throws when %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('parses tags from key=value pairs or a JSON object, onto every resource', () => {
    const { template } = synth({ tags: 'team=platform, env=prod' });
    const fn = JSON.stringify(template.findResources('AWS::Lambda::Function'));
    expect(fn).toContain('{"Key":"env","Value":"prod"},{"Key":"team","Value":"platform"}');
    const json = synth({ tags: { team: 'platform' } }).template;
    expect(JSON.stringify(json.findResources('AWS::SNS::Topic'))).toContain(
      '{"Key":"team","Value":"platform"}',
    );
  });

  it('terminationProtection is off by default and applies when asked', () => {
    expect(synth().stack.terminationProtection).toBe(false);
    expect(synth({ terminationProtection: 'true' }).stack.terminationProtection).toBe(true);
  });
});

describe('context keys', () => {
  it.each([
    ['allowedSourceCIDRs', 'allowedSourceCidrs'],
    ['allowed-source-cidrs', 'allowedSourceCidrs'],
    ['alarmEmial', 'alarmEmail'],
    ['reservedConcurency', 'reservedConcurrency'],
    ['WAF', 'waf'],
    ['webhookTimeoutSecond', 'webhookTimeoutSeconds'],
  ])('a mistyped option fails the synth: %s → did you mean %s', (key, meant) => {
    expect(() => synth({ [key]: '10.0.0.0/8' })).toThrow(
      `context key "${key}" is not an option: did you mean ${meant}?`,
    );
  });

  it("leaves CDK's own keys and unrelated keys alone", () => {
    expect(() =>
      synth({
        '@aws-cdk/core:newStyleStackSynthesis': true,
        'aws:cdk:enable-path-metadata': true,
        myTeamNote: 'x',
      }),
    ).not.toThrow();
    expect(resembledOption('myTeamNote')).toBeUndefined();
  });

  it('every option resembles itself under any letter case, and edit distance is a metric', () => {
    for (const name of Object.keys(OPTIONS)) expect(resembledOption(name.toUpperCase())).toBe(name);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it('every option is documented in README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(OPTIONS)) expect(readme).toContain(`| \`${name}\``);
  });
});
