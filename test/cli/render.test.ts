import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { resolveIntrinsics } from '../../lambda/cli/render.ts';
import { runCli } from '../helpers/cli.ts';

const ALL = {
  ecrCache:
    'docker-hub,github-container-registry,gitlab-container-registry,azure-container-registry,chainguard,ecr-public,k8s,quay,ecr',
  ecrCacheCredentials:
    'docker-hub=ecr-pullthroughcache/docker-hub,github-container-registry=ecr-pullthroughcache/ghcr,gitlab-container-registry=ecr-pullthroughcache/gitlab,azure-container-registry=ecr-pullthroughcache/azure,chainguard=ecr-pullthroughcache/chainguard',
  ecrCacheUpstreamUrls:
    'azure-container-registry=myregistry.azurecr.io,ecr=111122223333.dkr.ecr.us-east-1.amazonaws.com',
  ecrCachePullAccounts: '111122223333',
  ecrCachePullOrganization: 'o-a1b2c3d4e5',
};
const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const FROM_TEMPLATE = ['--account', '123456789012', '--region', 'eu-west-1', '--template'];

/** The synthesized template of the full combination, as `cdk synth` writes it to cdk.out. */
const dir = mkdtempSync(join(tmpdir(), 'dpw-render-'));
const templateFile = join(dir, 'DockerProxyWebhook.template.json');
const { stack } = createApp({ context: { 'aws:cdk:bundling-stacks': [], ...ALL } });
const template = Template.fromStack(stack).toJSON();
writeFileSync(templateFile, JSON.stringify(template));

/** What `cdk deploy --outputs-file` writes: the output as CloudFormation resolves it in 123456789012, eu-west-1. */
function writeDeployedOutputs(name: string): void {
  const value = resolveIntrinsics(template.Outputs.EcrCacheMappings.Value, {
    account: '123456789012',
    region: 'eu-west-1',
  });
  writeFileSync(
    join(dir, name),
    JSON.stringify({ DockerProxyWebhook: { MutateUrl: 'https://x/mutate', EcrCacheMappings: value } }),
  );
}

/** [image, what rewrite prints after the arrow]. */
const IMAGES: [string, string][] = [
  ['nginx:1.27', `${REGISTRY}/docker-hub/library/nginx:1.27`],
  ['registry.k8s.io/pause:3.10', `${REGISTRY}/k8s/pause:3.10`],
  ['public.ecr.aws/karpenter/controller:1.0.0', `${REGISTRY}/ecr-public/karpenter/controller:1.0.0`],
  ['ghcr.io/fluxcd/flux:v2', `${REGISTRY}/ghcr/fluxcd/flux:v2`],
  ['quay.io/prometheus/node-exporter:v1.8.2', `${REGISTRY}/quay/prometheus/node-exporter:v1.8.2`],
  ['registry.gitlab.com/org/app:1', `${REGISTRY}/gitlab/org/app:1`],
  ['cgr.dev/chainguard/nginx:latest', `${REGISTRY}/chainguard/chainguard/nginx:latest`],
  ['myregistry.azurecr.io/team/app:1', `${REGISTRY}/azure/team/app:1`],
  ['111122223333.dkr.ecr.us-east-1.amazonaws.com/team/app:1', `${REGISTRY}/ecr/team/app:1`],
  [
    'quay.io/jetstack/cert-manager-controller@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210',
    `${REGISTRY}/quay/jetstack/cert-manager-controller@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210`,
  ],
];

describe('mappings render, then rewrite with the result', () => {
  it('from the synthesized template: every upstream is rewritten to the cache', async () => {
    // Act
    const rendered = await runCli(['mappings', 'render', ...FROM_TEMPLATE, templateFile], { cwd: dir });
    writeFileSync(join(dir, 'served.json'), rendered.stdout);
    const rewritten = await runCli(['rewrite', '--mappings', 'served.json', ...IMAGES.map(([i]) => i)], {
      cwd: dir,
    });

    // Assess
    expect([rendered.code, rendered.stderr]).toEqual([0, '']);
    expect(rewritten.code).toBe(0);
    const lines = rewritten.stdout.trim().split('\n');
    for (const [i, [image, cached]] of IMAGES.entries()) {
      expect(lines[i]).toMatch(
        new RegExp(
          `^rewritten +${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +-> ${cached.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `,
        ),
      );
    }
    const own = await runCli(['rewrite', '--mappings', 'served.json', `${REGISTRY}/team/app:1`], {
      cwd: dir,
    });
    expect(own.stdout).toMatch(/^ignored /);
  });

  it('from the deploy outputs, with the user document beside it', async () => {
    // Prepare: what cdk deploy --outputs-file writes (the output resolved by CloudFormation).
    writeDeployedOutputs('outputs.json');
    writeFileSync(
      join(dir, 'user.json'),
      JSON.stringify({ version: 1, mode: 'observe', registries: { 'gcr.io': 'harbor.example.com/gcr' } }),
    );

    // Act
    const rendered = await runCli(
      ['mappings', 'render', '--outputs', 'outputs.json', '--mappings', 'user.json'],
      { cwd: dir },
    );

    // Assess
    expect(rendered.code).toBe(0);
    const document = JSON.parse(rendered.stdout) as { mode: string; registries: Record<string, unknown> };
    expect(document.mode).toBe('observe');
    expect(Object.keys(document.registries)).toContain('gcr.io');
    expect(document.registries['docker.io']).toEqual({ proxy: `${REGISTRY}/docker-hub`, pullSecret: null });
  });

  it('reports a conflicting user document with both sources, and a stack without a cache', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ version: 1, registries: { 'quay.io': 'harbor.example.com/quay' } }),
    );
    const conflict = await runCli(
      ['mappings', 'render', ...FROM_TEMPLATE, templateFile, '--mappings', 'bad.json'],
      { cwd: dir },
    );
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain(
      `registries["quay.io"]: in ${join(dir, 'bad.json')}: same registry as registries["quay.io"] in the mappings generated for the ECR pull-through cache (ecrCache)`,
    );
    writeFileSync(join(dir, 'plain.json'), JSON.stringify({ Outputs: {} }));
    const none = await runCli(['mappings', 'render', ...FROM_TEMPLATE, 'plain.json'], { cwd: dir });
    expect(none.stderr).toBe(
      `mappings render: ${join(dir, 'plain.json')} has no EcrCacheMappings output: synthesize with -c ecrCache=...\n`,
    );
  });
});

const cfnLint = await promisify(execFile)('cfn-lint', ['--version']).then(
  () => true,
  () => false,
);

describe.skipIf(!cfnLint)('cfn-lint', () => {
  it('finds no error in the template with every cache option on', async () => {
    const code = await promisify(execFile)('cfn-lint', [templateFile]).then(
      () => 0,
      (error: { code?: number; stdout?: string }) => {
        if ((error.code ?? 0) & 2) throw new Error(error.stdout);
        return error.code ?? 0;
      },
    );
    // Bit 2 is errors; warnings (4) and informational findings (8) are allowed.
    expect(code & 2).toBe(0);
  }, 120_000);
});

describe('mappings validate/diff/push --outputs with the cache', () => {
  it('refuses a document that conflicts with the cache, before any SSM call; accepts one that combines', async () => {
    // Prepare: the outputs of a deployed stack with the cache.
    writeDeployedOutputs('deployed.json');
    writeFileSync(
      join(dir, 'hub.json'),
      JSON.stringify({ version: 1, registries: { 'docker.io': 'harbor.example.com/hub' } }),
    );
    writeFileSync(
      join(dir, 'gcr.json'),
      JSON.stringify({ version: 1, registries: { 'gcr.io': 'harbor.example.com/gcr' } }),
    );

    // Act
    const pushed = await runCli(['mappings', 'push', 'hub.json', '--outputs', 'deployed.json'], { cwd: dir });
    const validated = await runCli(['mappings', 'validate', 'gcr.json', '--outputs', 'deployed.json'], {
      cwd: dir,
    });

    // Assess
    expect(pushed.code).toBe(2);
    expect(pushed.stdout).toBe('');
    expect(pushed.stderr).toMatch(
      /^mappings push: \S*hub\.json conflicts with the stack's ECR pull-through cache:\nregistries\["docker\.io"\]: in \S*hub\.json: same registry as registries\["docker\.io"\]/,
    );
    expect([validated.code, validated.stderr]).toEqual([0, '']);
  });
});
