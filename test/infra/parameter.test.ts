import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SSM_PARAMETER_TIER } from '../../lambda/constants.ts';
import { propertiesOf, synth } from './synth.ts';

const defaults = synth();

describe('mappings parameter', () => {
  it('holds the example document, compacted, as a String parameter named after the stack', () => {
    defaults.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/DockerProxyWebhook/mappings',
      Type: 'String',
      Tier: 'Intelligent-Tiering',
      Value: Match.stringLikeRegexp('^\\{"\\$schema".*"docker\\.io":"harbor\\.example\\.com/dockerhub"'),
    });
    expect(SSM_PARAMETER_TIER).toBe('Intelligent-Tiering');
  });

  it('fails synth with the validation message when the file is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-cdk-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ version: 1, registries: { 'ghcr.io': 'https://x' } }));
    expect(() => synth({ mappingsFile: file })).toThrow(
      `mappings file ${file} is invalid:\nregistries["ghcr.io"]: "https://x" is not a registry prefix; write host[:port][/path]`,
    );
  });

  it('keeps Intelligent-Tiering above 4 KB (SSM upgrades it), and refuses above 8 KB', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-cdk-'));
    const doc = (n: number) => ({
      version: 1,
      registries: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`registry${i}.example.com`, `cache.example.net/r${i}`]),
      ),
    });
    writeFileSync(join(dir, 'big.json'), JSON.stringify(doc(100)));
    synth({ mappingsFile: join(dir, 'big.json') }).template.hasResourceProperties('AWS::SSM::Parameter', {
      Tier: 'Intelligent-Tiering',
    });
    writeFileSync(join(dir, 'huge.json'), JSON.stringify(doc(200)));
    expect(() => synth({ mappingsFile: join(dir, 'huge.json') })).toThrow(
      /an SSM parameter holds at most 8192/,
    );
  });

  it('two stacks in one account and region share no name (parameter, secret, API, topic, dashboard)', () => {
    const names = (stackName: string) => {
      const { template } = synth({ stackName });
      return [
        ...propertiesOf(template, 'AWS::SSM::Parameter').map((p) => p.Name),
        ...propertiesOf(template, 'AWS::ApiGateway::RestApi').map((p) => p.Name),
        ...propertiesOf(template, 'AWS::SNS::Topic').map((p) => p.TopicName),
        ...propertiesOf(template, 'AWS::CloudWatch::Dashboard').map((p) => p.DashboardName),
        ...propertiesOf(template, 'AWS::SecretsManager::Secret').map((p) => p.Name),
      ];
    };
    const a = names('WebhookA');
    const b = names('WebhookB');
    expect(a).toEqual(['/WebhookA/mappings', 'WebhookA', 'WebhookA-alarms', 'WebhookA', undefined]);
    for (const name of a.filter((n) => n !== undefined)) expect(b).not.toContain(name);
  });

  it('leaves the secret name to CloudFormation: a redeploy never meets a name reserved for 30 days', () => {
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: Match.absent() });
  });

  it('an explicit mappingsParameterName wins', () => {
    synth({ mappingsParameterName: '/team/webhook/mappings' }).template.hasResourceProperties(
      'AWS::SSM::Parameter',
      { Name: '/team/webhook/mappings' },
    );
  });
});
