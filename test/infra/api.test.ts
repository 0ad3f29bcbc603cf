import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OUTPUT } from '../../lambda/constants.ts';
import { FULL_OPTIONS, propertiesOf, synth } from './synth.ts';

const defaults = synth();

const methods = (template: Template) =>
  propertiesOf(template, 'AWS::ApiGateway::Method').map((m) => m.HttpMethod);
const paths = (template: Template) =>
  propertiesOf(template, 'AWS::ApiGateway::Resource').map((r) => r.PathPart);
/** The token resource's PathPart: a dynamic reference to the secret, resolved by CloudFormation at deploy. */
const tokenReference = (version = '') => ({
  'Fn::Join': [
    '',
    [
      '{{resolve:secretsmanager:',
      { Ref: Match.stringLikeRegexp('^PathToken') },
      `:SecretString:::${version}}}`,
    ],
  ],
});

describe('API routes and the path token', () => {
  it('routes POST mutate, POST validate, GET healthz under the literal token (a deploy-time reference)', () => {
    expect(methods(defaults.template).sort()).toEqual(['GET', 'POST', 'POST']);
    expect(
      paths(defaults.template)
        .filter((p) => typeof p === 'string')
        .sort(),
    ).toEqual(['healthz', 'mutate', 'validate']);
    defaults.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: tokenReference() });
    defaults.template.allResourcesProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ Type: 'AWS_PROXY', TimeoutInMillis: 2500 }),
    });
  });

  it('a wrong token dies in API Gateway: no path parameter, so only the literal token reaches the function', () => {
    for (const part of paths(defaults.template)) expect(JSON.stringify(part)).not.toMatch(/^"\{/);
    // One invoke permission for the API: a per-method SourceArn would spell the token in the function policy.
    const permissions = propertiesOf(defaults.template, 'AWS::Lambda::Permission');
    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0]?.SourceArn)).toMatch(/\/\*\/\*\/\*"\]\]\}$/);
  });

  it('keeps the token out of the template: generated in Secrets Manager, a reference in the API, a placeholder in the URLs', () => {
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false },
      SecretString: Match.absent(),
    });
    const mutateUrl = JSON.stringify(defaults.template.findOutputs(OUTPUT.mutateUrl));
    expect(mutateUrl).toContain('{token}/mutate');
  });

  it('pathTokenVersion pins the version, so a new token makes a new deployment', () => {
    const version = FULL_OPTIONS.pathTokenVersion;
    const pinned = synth({ pathTokenVersion: version }).template;
    pinned.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: tokenReference(version) });
    const deployments = (t: Template) => Object.keys(t.findResources('AWS::ApiGateway::Deployment'));
    expect(deployments(pinned)).not.toEqual(deployments(defaults.template));
  });

  it('without a path token: no token resource, no secret, the function routes /mutate', () => {
    const { template } = synth({ pathToken: 'false' });
    expect(paths(template).sort()).toEqual(['healthz', 'mutate', 'validate']);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PATH_TOKEN_CHECKED_UPSTREAM: Match.absent() }) },
    });
  });
});

describe('API stage', () => {
  it('is named after the stack, so its metrics (dimension ApiName) are its own', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'DockerProxyWebhook' });
    synth({ stackName: 'Other' }).template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'Other',
    });
  });

  it('throttles the stage and writes JSON access logs without any path (it would hold the token)', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'webhook',
      MethodSettings: [
        Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, MetricsEnabled: true }),
      ],
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.resourceId.*\\$context\\.error\\.responseType'),
      },
      TracingEnabled: false,
    });
    const stage = JSON.stringify(defaults.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage).not.toMatch(/\$context\.path\b/);
    expect(stage).not.toMatch(/\$context\.resourcePath\b/);
    expect(stage).not.toContain('requestOverride');
  });

  it('tracing turns on X-Ray on the stage', () => {
    synth({ tracing: true }).template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
    });
  });
});

describe("API Gateway's account CloudWatch role (access logging needs it)", () => {
  it('is created and set by default, both kept when the stack is deleted; the stage waits for it', () => {
    const accounts = defaults.template.findResources('AWS::ApiGateway::Account');
    const [id, account] = Object.entries(accounts)[0] ?? [];
    expect(account).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    defaults.template.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      }),
    });
    defaults.template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([id]) });
  });

  it('existing leaves the account setting alone; a role ARN is set (and kept)', () => {
    const existing = synth({ apiGatewayCloudWatchRole: 'existing' }).template;
    existing.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(JSON.stringify(existing.findResources('AWS::IAM::Role'))).not.toContain(
      'apigateway.amazonaws.com',
    );
    const arn = FULL_OPTIONS.apiGatewayCloudWatchRole;
    const given = synth({ apiGatewayCloudWatchRole: arn }).template;
    given.hasResource('AWS::ApiGateway::Account', {
      DeletionPolicy: 'Retain',
      Properties: { CloudWatchRoleArn: arn },
    });
  });
});

describe('API protection', () => {
  it('is REGIONAL with no resource policy by default', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
      Policy: Match.absent(),
      DisableExecuteApiEndpoint: false,
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

  it('WAF: a web ACL with a per-IP rate rule, named after the stack, associated with the stage, only when asked', () => {
    defaults.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const { template } = synth({ waf: 'true', wafRateLimit: 500 });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Name: 'DockerProxyWebhook-acl',
      Scope: 'REGIONAL',
      VisibilityConfig: Match.objectLike({ MetricName: 'DockerProxyWebhook-acl' }),
      Rules: [
        Match.objectLike({
          Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } },
          VisibilityConfig: Match.objectLike({ MetricName: 'DockerProxyWebhook-rate-per-source-ip' }),
        }),
      ],
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('custom domain', () => {
  const { domainName, certificateArn } = FULL_OPTIONS;
  const { template } = synth({ domainName, certificateArn });

  it('maps the domain (REGIONAL, TLS 1.2) and disables the default execute-api endpoint', () => {
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: domainName,
      RegionalCertificateArn: certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
  });

  it('puts the domain in the URLs manifests reads, and outputs the DNS target', () => {
    const outputs = template.findOutputs('*');
    expect(outputs[OUTPUT.mutateUrl]?.Value).toBe(`https://${domainName}/{token}/mutate`);
    expect(outputs[OUTPUT.customDomainTarget]?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/Domain/), 'RegionalDomainName'],
    });
  });

  it.each([
    [{ domainName }, 'domainName and certificateArn go together'],
    [{ certificateArn }, 'domainName and certificateArn go together'],
    [
      { domainName, certificateArn, endpointType: 'PRIVATE', vpcEndpointIds: 'vpce-0123456789abcdef0' },
      'domainName applies to a REGIONAL API',
    ],
  ])('refuses %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });
});
