import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { cacheLifecyclePolicy } from '../../infra/ecr-cache.ts';
import { resolveIntrinsics } from '../../lambda/cli/render.ts';
import { parseMappingsJson } from '../../lambda/mappings/parse.ts';

/** Synthesizes the stack (no bundling) with the given context. */
function synth(context: Record<string, unknown> = {}) {
  const { app, stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return { app, stack, template: Template.fromStack(stack) };
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

/** What each upstream needs on the command line beyond its name. */
const EXTRA: Record<string, Record<string, string>> = {
  'docker-hub': { ecrCacheCredentials: 'docker-hub=ecr-pullthroughcache/docker-hub' },
  'github-container-registry': { ecrCacheCredentials: 'github-container-registry=ecr-pullthroughcache/ghcr' },
  'gitlab-container-registry': {
    ecrCacheCredentials: 'gitlab-container-registry=ecr-pullthroughcache/gitlab',
  },
  'azure-container-registry': {
    ecrCacheCredentials: 'azure-container-registry=ecr-pullthroughcache/azure',
    ecrCacheUpstreamUrls: 'azure-container-registry=myregistry.azurecr.io',
  },
  chainguard: {
    ecrCacheCredentials:
      'chainguard=arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/chainguard-AbCdEf',
  },
  'ecr-public': {},
  k8s: {},
  quay: {},
  ecr: { ecrCacheUpstreamUrls: 'ecr=111122223333.dkr.ecr.us-east-1.amazonaws.com' },
};

/** [upstream, URL, image host, prefix, sample image, expected rewrite]. */
const UPSTREAMS: [string, string, string, string][] = [
  ['docker-hub', 'registry-1.docker.io', 'docker-hub', 'nginx:1.27'],
  ['github-container-registry', 'ghcr.io', 'ghcr', 'ghcr.io/fluxcd/flux:v2'],
  ['gitlab-container-registry', 'registry.gitlab.com', 'gitlab', 'registry.gitlab.com/org/app:1'],
  ['azure-container-registry', 'myregistry.azurecr.io', 'azure', 'myregistry.azurecr.io/team/app:1'],
  ['chainguard', 'cgr.dev', 'chainguard', 'cgr.dev/chainguard/nginx:latest'],
  ['ecr-public', 'public.ecr.aws', 'ecr-public', 'public.ecr.aws/karpenter/controller:1.0.0'],
  ['k8s', 'registry.k8s.io', 'k8s', 'registry.k8s.io/pause:3.10'],
  ['quay', 'quay.io', 'quay', 'quay.io/prometheus/node-exporter:v1.8.2'],
  [
    'ecr',
    '111122223333.dkr.ecr.us-east-1.amazonaws.com',
    'ecr',
    '111122223333.dkr.ecr.us-east-1.amazonaws.com/team/app:1',
  ],
];

function merged(names: string[]): Record<string, string> {
  const context: Record<string, string[]> = {};
  for (const name of names) {
    for (const [key, value] of Object.entries(EXTRA[name] ?? {})) {
      context[key] = [...(context[key] ?? []), value];
    }
  }
  return {
    ecrCache: names.join(','),
    ...Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.join(',')])),
  };
}

/** The GENERATED_MAPPINGS the function gets, resolved as CloudFormation would for ACCOUNT and REGION. */
function deployedDocument(template: Template): string {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  const value = (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
    .Environment.Variables.GENERATED_MAPPINGS;
  return resolveIntrinsics(value, { account: ACCOUNT, region: REGION });
}

describe('without ecrCache', () => {
  it('the stack is unchanged: same template, no ECR resources, no generated mappings', () => {
    const plain = synth().template;
    expect(synth({ ecrCache: '' }).template.toJSON()).toEqual(plain.toJSON());
    for (const type of [
      'AWS::ECR::PullThroughCacheRule',
      'AWS::ECR::RepositoryCreationTemplate',
      'AWS::IAM::ManagedPolicy',
    ]) {
      plain.resourceCountIs(type, 0);
    }
    expect(JSON.stringify(plain.toJSON())).not.toContain('GENERATED_MAPPINGS');
  });
});

describe.each(UPSTREAMS)('ecrCache=%s alone', (name, url, prefix, image) => {
  const { template, app } = synth(merged([name]));

  it('creates one rule with its URL, prefix and authentication', () => {
    template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 1);
    template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      UpstreamRegistry: name,
      UpstreamRegistryUrl: url,
      EcrRepositoryPrefix: prefix,
      CredentialArn: EXTRA[name]?.ecrCacheCredentials === undefined ? Match.absent() : Match.anyValue(),
      CustomRoleArn: name === 'ecr' ? Match.anyValue() : Match.absent(),
    });
  });

  it('creates the repository creation template with the bounded lifecycle', () => {
    template.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: prefix,
      AppliedFor: ['PULL_THROUGH_CACHE'],
      EncryptionConfiguration: { EncryptionType: 'AES256' },
      ImageTagMutability: 'MUTABLE',
      LifecyclePolicy: cacheLifecyclePolicy(90),
      RepositoryPolicy: Match.absent(),
    });
  });

  it('gives the function mappings that rewrite the upstream to the cache', async () => {
    const parsed = parseMappingsJson(deployedDocument(template));
    if (!parsed.ok) throw parsed.error;
    const { decideImage } = await import('../../lambda/images/rewrite.ts');
    const decision = decideImage(image, parsed.value);
    expect(decision.kind).toBe('rewritten');
    expect(decision.image.startsWith(`${REGISTRY}/${prefix}/`)).toBe(true);
  });

  it('outputs the node policy: a registry token, then read, import and create only under the prefix', () => {
    template.hasOutput('NodePullPolicyArn', {});
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const statements = (
      policy as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }
    ).Properties.PolicyDocument.Statement;
    expect(statements.map((s) => s.Action)).toEqual([
      'ecr:GetAuthorizationToken',
      [
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchImportUpstreamImage',
        'ecr:CreateRepository',
      ],
    ]);
    expect(resolveIntrinsics(statements[1]?.Resource, { account: ACCOUNT, region: REGION })).toBe(
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${prefix}/*`,
    );
  });

  it('passes cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('every upstream together, with cross-account pulls', () => {
  const context = {
    ...merged(UPSTREAMS.map(([n]) => n)),
    ecrCachePullAccounts: '111122223333,444455556666',
    ecrCachePullOrganization: 'o-a1b2c3d4e5',
    ecrCacheExpireDays: '30',
    ecrCacheEncryption: 'KMS',
  };
  const { template, app } = synth(context);

  it('creates every rule and template, and one role for ECR to ECR', () => {
    template.resourceCountIs('AWS::ECR::PullThroughCacheRule', UPSTREAMS.length);
    template.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', UPSTREAMS.length);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'pullthroughcache.ecr.amazonaws.com' } })],
      },
    });
    template.allResourcesProperties('AWS::ECR::RepositoryCreationTemplate', {
      EncryptionConfiguration: { EncryptionType: 'KMS' },
      LifecyclePolicy: cacheLifecyclePolicy(30),
      RepositoryPolicy: Match.anyValue(),
    });
  });

  it('lets the listed accounts and the organization create and import through the registry policy', () => {
    template.resourceCountIs('AWS::ECR::RegistryPolicy', 1);
    const policy = JSON.stringify(template.findResources('AWS::ECR::RegistryPolicy'));
    for (const expected of [
      '111122223333',
      '444455556666',
      'o-a1b2c3d4e5',
      'ecr:BatchImportUpstreamImage',
      'ecr:CreateRepository',
    ]) {
      expect(policy).toContain(expected);
    }
  });

  it('generates one entry per upstream and ignores the own registry', () => {
    const document = JSON.parse(deployedDocument(template)) as {
      registries: Record<string, unknown>;
      ignore: string[];
    };
    expect(Object.keys(document.registries)).toHaveLength(UPSTREAMS.length);
    expect(document.ignore).toEqual([REGISTRY]);
  });

  it('references secrets by ARN only, never by value', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('secret:ecr-pullthroughcache/docker-hub');
    expect(text).toContain('secret:ecr-pullthroughcache/chainguard-AbCdEf');
    // The one dynamic reference is the path token's (the API's literal path part, resolved at deploy).
    expect(text.match(/resolve:secretsmanager:/g)).toHaveLength(1);
    expect(text).toContain('"{{resolve:secretsmanager:",{"Ref":"PathToken');
  });

  it('passes cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the synth fails', () => {
  it('when an upstream needs credentials and has none, saying how to create the secret', () => {
    expect(() => synth({ ecrCache: 'docker-hub,quay' })).toThrow(
      [
        'ECR pull-through cache (ecrCache) options:',
        '- docker-hub needs credentials: create the secret (its name must start with ecr-pullthroughcache/) with',
        `    aws secretsmanager create-secret --name ecr-pullthroughcache/docker-hub --secret-string '{"username":"<user>","accessToken":"<token>"}'`,
        '  then pass -c ecrCacheCredentials=docker-hub=ecr-pullthroughcache/docker-hub',
      ].join('\n'),
    );
  });

  it.each([
    [
      { ecrCache: 'quay', ecrCacheCredentials: 'quay=ecr-pullthroughcache/quay' },
      'quay needs no credentials',
    ],
    [
      { ecrCache: 'k8s', ecrCacheCredentials: 'k8s=my-secret' },
      'context ecrCacheCredentials="k8s=my-secret" is invalid',
    ],
    [{ ecrCache: 'dockerhub' }, 'unknown upstream "dockerhub"'],
    [
      { ecrCache: 'ecr' },
      'ecr needs its registry URL, e.g. ecr=111122223333.dkr.ecr.us-east-1.amazonaws.com',
    ],
    [{ ecrCache: 'k8s', ecrCacheExpireDays: '0' }, 'context ecrCacheExpireDays="0" is invalid'],
  ])('on %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('when the user document conflicts with the cache, naming both sources', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dpw-ecr-')), 'mappings.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 1, registries: { 'registry.k8s.io': 'harbor.example.com/k8s' } }),
    );
    expect(() => synth({ ecrCache: 'k8s', mappingsFile: file })).toThrow(
      `mappings file ${file} conflicts with the ECR pull-through cache:\nregistries["registry.k8s.io"]: in mappings file ${file}: same registry as registries["registry.k8s.io"] in the mappings generated for the ECR pull-through cache (ecrCache), which must match the cache rules; remove it (or drop that upstream from the cache)`,
    );
  });

  it('seeds an empty user document, not the Harbor example, when there is no mappings.json', () => {
    const { template } = synth({ ecrCache: 'k8s' });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Value: Match.stringLikeRegexp('"registries":\\{\\}'),
    });
  });
});
