import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws_sns as sns } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { OUTPUT } from '../../lambda/constants.ts';
import { FULL_OPTIONS, ROOT, synth } from './synth.ts';

const defaults = synth();

describe('outputs', () => {
  it('names every URL and resource operators need', () => {
    const outputs = Object.keys(defaults.template.findOutputs('*'));
    expect(outputs.sort()).toEqual(
      Object.values(OUTPUT)
        .filter((o) => o !== OUTPUT.customDomainTarget)
        .sort(),
    );
    expect(Object.keys(synth({ pathToken: false }).template.findOutputs('*'))).not.toContain(
      OUTPUT.pathTokenSecretArn,
    );
  });

  it("prints the token in the stack's region", () => {
    const command = JSON.stringify(defaults.template.findOutputs(OUTPUT.pathTokenCommand));
    expect(command).toContain('get-secret-value --region ');
    expect(command).toContain('{"Ref":"AWS::Region"}');
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
      { apiGatewayCloudWatchRole: 'existing', reservedConcurrency: 'none' },
      FULL_OPTIONS,
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

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const haveCfnLint = cfnLint.status === 0;
if (!haveCfnLint) {
  process.stderr.write(
    'cfn-lint is not installed: the template lint test is skipped (pip install cfn-lint; .ci/run requires it)\n',
  );
}

describe('cfn-lint', () => {
  it('is installed where CI requires it', () => {
    if (process.env.CFN_LINT_REQUIRED === '1') expect(haveCfnLint).toBe(true);
  });

  it.skipIf(!haveCfnLint)(
    'finds no error in the default template nor in one with every option',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'dpw-cfn-lint-'));
      const files = [
        ['default.json', defaults.template],
        ['full.json', synth(FULL_OPTIONS).template],
      ].map(([name, template]) => {
        const file = join(dir, name as string);
        writeFileSync(file, JSON.stringify((template as typeof defaults.template).toJSON()));
        return file;
      });
      const result = spawnSync('cfn-lint', ['--format', 'parseable', ...files], { encoding: 'utf8' });
      const errors = result.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
      expect(errors).toEqual([]);
      // Exit status is a bitmask: 2 = errors (4 = warnings, 8 = informational).
      expect((result.status ?? 2) & 2).toBe(0);
    },
    120_000,
  );
});

describe('cdk.json', () => {
  it('`cdk synth` runs the app offline, with no AWS credentials, and writes the template', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
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
