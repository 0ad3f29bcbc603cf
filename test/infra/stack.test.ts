import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws_sns as sns } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { OPTIONS } from '../../infra/context.ts';
import { OUTPUT } from '../../lambda/constants.ts';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../lambda/telemetry-names.ts';
import { FIXTURES_DIR } from '../helpers/fixtures.ts';

const ROOT = join(FIXTURES_DIR, '..', '..');

/** Synthesizes the stack with the given context; bundling skipped unless asked (it is tested once). */
function synth(context: Record<string, unknown> = {}, bundle = false) {
  const { app, stack } = createApp({
    context: { ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

const defaults = synth();

describe('function', () => {
  it('runs on Node.js 24, arm64, with the configured memory and timeout', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 5,
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          MAPPINGS_PARAMETER: Match.anyValue(),
          MAPPINGS_TTL_SECONDS: '60',
          VALIDATE_MODE: 'warn',
          FAIL_CLOSED: 'false',
          PATH_TOKEN_SECRET: 'DockerProxyWebhook/path-token',
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

  it('has a role with no managed policies, reading only the mappings parameter and the token', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
    const policies = defaults.template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement,
    );
    const ssmStatements = statements.filter((s) => JSON.stringify(s.Action).includes('ssm:'));
    expect(JSON.stringify(ssmStatements)).not.toContain('"*"');
    expect(JSON.stringify(ssmStatements)).toContain(
      'aws/reference/secretsmanager/DockerProxyWebhook/path-token',
    );
    expect(JSON.stringify(ssmStatements)).toContain('MappingsParameter');
    expect(ssmStatements.map((s) => s.Action)).toEqual(['ssm:GetParameter', 'ssm:GetParameter']);
    for (const s of statements) expect(s.Resource).not.toBe('*');
  });

  it.each([
    [
      { memorySize: 1024, timeoutSeconds: 8, webhookTimeoutSeconds: 15 },
      { MemorySize: 1024, Timeout: 8 },
    ],
    [{ reservedConcurrency: 20 }, { ReservedConcurrentExecutions: 20 }],
  ])('applies %j', (context, properties) => {
    synth(context).template.hasResourceProperties('AWS::Lambda::Function', properties);
  });

  it('without reserved concurrency leaves it unset', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::Function', {
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

describe('mappings parameter', () => {
  it('holds the example document, compacted, as a String parameter', () => {
    defaults.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/docker-proxy-webhook/mappings',
      Type: 'String',
      Tier: 'Standard',
      Value: Match.stringLikeRegexp('^\\{"\\$schema".*"docker\\.io":"harbor\\.example\\.com/dockerhub"'),
    });
  });

  it('fails synth with the validation message when the file is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-cdk-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ version: 1, registries: { 'ghcr.io': 'https://x' } }));
    expect(() => synth({ mappingsFile: file })).toThrow(
      `mappings file ${file} is invalid:\nregistries["ghcr.io"]: "https://x" is not a registry prefix; write host[:port][/path]`,
    );
  });

  it('uses the Advanced tier above 4 KB, and refuses above 8 KB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-cdk-'));
    const doc = (n: number) => ({
      version: 1,
      registries: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`registry${i}.example.com`, `cache.example.net/r${i}`]),
      ),
    });
    writeFileSync(join(dir, 'big.json'), JSON.stringify(doc(100)));
    synth({ mappingsFile: join(dir, 'big.json') }).template.hasResourceProperties('AWS::SSM::Parameter', {
      Tier: 'Advanced',
    });
    writeFileSync(join(dir, 'huge.json'), JSON.stringify(doc(200)));
    expect(() => synth({ mappingsFile: join(dir, 'huge.json') })).toThrow(
      /an SSM parameter holds at most 8192/,
    );
  });
});

describe('API', () => {
  const methods = (template: Template) =>
    Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (m) => (m as { Properties: { HttpMethod: string } }).Properties.HttpMethod,
    );
  const paths = (template: Template) =>
    Object.values(template.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r as { Properties: { PathPart: string } }).Properties.PathPart,
    );

  it('routes POST mutate, POST validate, GET healthz under {token} by default', () => {
    expect(methods(defaults.template).sort()).toEqual(['GET', 'POST', 'POST']);
    expect(paths(defaults.template).sort()).toEqual(['healthz', 'mutate', 'validate', '{token}']);
    defaults.template.allResourcesProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ Type: 'AWS_PROXY', TimeoutInMillis: 10000 }),
    });
  });

  it('without a path token: no {token} resource, no secret', () => {
    const { template } = synth({ pathToken: 'false' });
    expect(paths(template).sort()).toEqual(['healthz', 'mutate', 'validate']);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PATH_TOKEN_SECRET: Match.absent() }) },
    });
  });

  it('keeps the token out of the template: generated in Secrets Manager, a placeholder in the URLs', () => {
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'DockerProxyWebhook/path-token',
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false },
      SecretString: Match.absent(),
    });
    const mutateUrl = JSON.stringify(defaults.template.findOutputs(OUTPUT.mutateUrl));
    expect(mutateUrl).toContain('{token}/mutate');
  });

  it('throttles the stage and writes JSON access logs without the token-bearing path', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'webhook',
      MethodSettings: [
        Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, MetricsEnabled: true }),
      ],
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.resourcePath'),
      },
    });
    const stage = JSON.stringify(defaults.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage).not.toMatch(/\$context\.path\b/);
    expect(stage).not.toContain('requestOverride');
  });

  it('is REGIONAL with no resource policy by default', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      Policy: Match.absent(),
    });
  });

  it('allowedSourceCidrs denies every other source IP', () => {
    const { template } = synth({ allowedSourceCidrs: '203.0.113.0/24, 198.51.100.7/32' });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7/32'] } },
          }),
        ]),
      },
    });
  });

  it('PRIVATE is reachable only through the given VPC endpoints', () => {
    const { template } = synth({ endpointType: 'PRIVATE', vpcEndpointIds: ['vpce-0123456789abcdef0'] });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] },
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } },
          }),
        ]),
      },
    });
  });

  it('WAF: a web ACL with a per-IP rate rule, associated with the stage, only when asked', () => {
    defaults.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const { template } = synth({ waf: 'true', wafRateLimit: 500 });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } } }),
      ],
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('monitoring', () => {
  const alarms = (template: Template) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: Record<string, unknown> }).Properties,
    );

  it('alarms on the metric names and namespace the function emits (imported, not retyped)', () => {
    const ours = alarms(defaults.template).filter((a) => a.Namespace === METRICS_NAMESPACE);
    expect(ours.map((a) => a.MetricName).sort()).toEqual(
      [
        MetricName.ImagesUnmapped,
        MetricName.MappingsLoadFailures,
        MetricName.ReviewErrors,
        MetricName.ReviewsWithoutMappings,
      ].sort(),
    );
    for (const alarm of ours) expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: SERVICE_NAME }]);
  });

  it.each([
    ['AWS/Lambda', 'Errors', 1],
    ['AWS/Lambda', 'Throttles', 1],
    ['AWS/Lambda', 'Duration', 5000],
    ['AWS/ApiGateway', '5XXError', 1],
    ['AWS/ApiGateway', 'Latency', 2000],
    [METRICS_NAMESPACE, MetricName.ImagesUnmapped, 1],
  ])('alarms on %s %s at %d, with a description saying what to do', (namespace, metric, threshold) => {
    const alarm = alarms(defaults.template).find((a) => a.Namespace === namespace && a.MetricName === metric);
    expect(alarm).toMatchObject({ Threshold: threshold, AlarmActions: [expect.anything()] });
    expect(String(alarm?.AlarmDescription).length).toBeGreaterThan(60);
  });

  it('takes thresholds from context', () => {
    const { template } = synth({ unmappedImagesThreshold: 5, apiLatencyP99Ms: 800 });
    const found = alarms(template);
    expect(found.find((a) => a.MetricName === MetricName.ImagesUnmapped)?.Threshold).toBe(5);
    expect(found.find((a) => a.MetricName === 'Latency')?.Threshold).toBe(800);
  });

  it('publishes to an encrypted, TLS-only topic; email only when given', () => {
    defaults.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('has a dashboard and a saved query listing unmapped images by count', () => {
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    defaults.template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'docker-proxy-webhook/unmapped-images',
      QueryString: Match.stringLikeRegexp(
        'filter message = "unmapped image"[\\s\\S]*by image[\\s\\S]*sort pods desc',
      ),
    });
  });
});

describe('outputs', () => {
  it('names every URL and resource operators need', () => {
    const outputs = Object.keys(defaults.template.findOutputs('*'));
    expect(outputs.sort()).toEqual(Object.values(OUTPUT).sort());
    expect(Object.keys(synth({ pathToken: false }).template.findOutputs('*'))).not.toContain(
      OUTPUT.pathTokenSecretArn,
    );
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions and Serverless report no unacknowledged finding', () => {
    expect(() => defaults.app.synth()).not.toThrow();
    for (const context of [
      { waf: true },
      { allowedSourceCidrs: '10.0.0.0/8' },
      { provisionedConcurrency: 1, reservedConcurrency: 5 },
      { alarmEmail: 'ops@example.com' },
      { pathToken: false },
      { endpointType: 'PRIVATE', vpcEndpointIds: 'vpce-0123456789abcdef0' },
    ]) {
      expect(() => synth(context).app.synth()).not.toThrow();
    }
  });

  it('fails the synth on a finding nobody acknowledged', () => {
    const { app, stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    new sns.Topic(stack, 'Unencrypted');
    expect(() => app.synth()).toThrow(/The SNS Topic does not require publishers to use SSL/);
  });
});

describe('context', () => {
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
    [{ timeoutSeconds: 10 }, 'timeoutSeconds (10) must be below webhookTimeoutSeconds (10)'],
    [{ endpointType: 'PRIVATE' }, 'endpointType PRIVATE needs vpcEndpointIds'],
    [
      { vpcEndpointIds: 'vpce-0123456789abcdef0' },
      'vpcEndpointIds (vpce-0123456789abcdef0) only apply to endpointType PRIVATE',
    ],
    [
      { provisionedConcurrency: 5, reservedConcurrency: 2 },
      'provisionedConcurrency (5) cannot exceed reservedConcurrency (2)',
    ],
    [{ apiLatencyP99Ms: 10000 }, 'apiLatencyP99Ms (10000) must be below the webhook timeout (10000 ms)'],
    [{ mappingsParameterName: 'no-slash' }, 'context mappingsParameterName="no-slash" is invalid'],
  ])('throws when %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('every option is documented in README', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(OPTIONS)) expect(readme).toContain(`| \`${name}\``);
  });
});

describe('cdk.json', () => {
  it('`cdk synth` runs the app offline, with no AWS credentials, and writes the template', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { existsSync } = await import('node:fs');
    const out = mkdtempSync(join(tmpdir(), 'dpw-cdk-out-'));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'dpw-home-')),
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', out],
      { cwd: ROOT, env, timeout: 120_000 },
    );
    expect(existsSync(join(out, 'DockerProxyWebhook.template.json'))).toBe(true);
  }, 120_000);
});
