import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SSM_PARAMETER_TIER } from '../../lambda/constants.ts';
import { runCli } from '../helpers/cli.ts';
import { type LocalSsm, localAwsConfig, startLocalSsm } from '../helpers/ssm-server.ts';
import { synth } from '../infra/synth.ts';

const NAME = '/docker-proxy-webhook/mappings';
let ssm: LocalSsm;
let dir: string;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());
beforeEach(() => {
  ssm.reset();
  dir = mkdtempSync(join(tmpdir(), 'dpw-map-'));
  writeFileSync(
    join(dir, 'good.json'),
    JSON.stringify({ version: 1, registries: { 'docker.io': 'cache.example.com/hub' } }),
  );
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify({ version: 1, registries: { 'docker.io': 'https://x' } }),
  );
});

async function run(argv: string[]) {
  const saved = { ...process.env };
  const c = localAwsConfig(ssm.endpoint);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: c.endpoint,
    AWS_REGION: c.region,
    AWS_ACCESS_KEY_ID: c.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.credentials.secretAccessKey,
  });
  try {
    return await runCli(['mappings', ...argv], { cwd: dir, env: {} });
  } finally {
    process.env = saved;
  }
}

describe('mappings validate', () => {
  it('exit 0 with a summary for a valid document', async () => {
    const result = await run(['validate', 'good.json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^valid: 1 registries, 0 ignore patterns, mode enforce, revision [0-9a-f]{12}\n$/,
    );
  });

  it('exit 2 with the JSON path of every fault, and no AWS call', async () => {
    const result = await run(['validate', 'bad.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `mappings validate: ${join(dir, 'bad.json')} is invalid:\nregistries["docker.io"]: "https://x" is not a registry prefix; write host[:port][/path]\n`,
    );
    expect(ssm.calls).toEqual([]);
  });
});

describe('mappings diff / push / get (local SSM endpoint)', () => {
  it('push to an absent parameter creates it; get prints it; diff then shows no difference', async () => {
    const push = await run(['push', 'good.json']);
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/^--- ssm:\/docker-proxy-webhook\/mappings\t\(absent\)/);
    expect(push.stdout).toMatch(
      /pushed revision [0-9a-f]{12} to \/docker-proxy-webhook\/mappings \(version 1\)/,
    );
    expect(JSON.parse(ssm.parameters.get(NAME) ?? '')).toEqual({
      version: 1,
      registries: { 'docker.io': 'cache.example.com/hub' },
    });
    const get = await run(['get']);
    expect(JSON.parse(get.stdout)).toEqual(JSON.parse(ssm.parameters.get(NAME) ?? ''));
    const diff = await run(['diff', 'good.json']);
    expect(diff).toMatchObject({
      code: 0,
      stdout: 'no difference from ssm:/docker-proxy-webhook/mappings\n',
    });
  });

  it('push writes the tier the stack gives the parameter (Intelligent-Tiering: a later shrink never fails)', async () => {
    await run(['push', 'good.json']);
    const puts = ssm.calls.filter((c) => c.target === 'AmazonSSM.PutParameter');
    expect(puts).toEqual([{ target: 'AmazonSSM.PutParameter', name: NAME, tier: SSM_PARAMETER_TIER }]);
    synth().template.hasResourceProperties('AWS::SSM::Parameter', { Tier: SSM_PARAMETER_TIER });
  });

  it('diff shows the change and exits 1, writing nothing', async () => {
    ssm.parameters.set(
      NAME,
      JSON.stringify({ version: 1, registries: { 'docker.io': 'old.example.com/hub' } }),
    );
    const diff = await run(['diff', 'good.json']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(
      '-    "docker.io": "old.example.com/hub"\n+    "docker.io": "cache.example.com/hub"',
    );
    expect(ssm.calls.map((c) => c.target)).toEqual(['AmazonSSM.GetParameter']);
  });

  it('push refuses an invalid document before touching SSM', async () => {
    const push = await run(['push', 'bad.json']);
    expect(push.code).toBe(2);
    expect(ssm.calls).toEqual([]);
  });

  it('uses --parameter, or the stack outputs', async () => {
    writeFileSync(
      join(dir, 'out.json'),
      JSON.stringify({ S: { MutateUrl: 'https://x/mutate', MappingsParameterName: '/team/m' } }),
    );
    await run(['push', '--outputs', 'out.json', 'good.json']);
    await run(['push', '--parameter', '/other/m', 'good.json']);
    expect([...ssm.parameters.keys()].sort()).toEqual(['/other/m', '/team/m']);
  });

  it('get explains a missing parameter', async () => {
    const get = await run(['get']);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(
      /cannot read SSM parameter \/docker-proxy-webhook\/mappings: ParameterNotFound/,
    );
  });

  it.each([
    [['frobnicate'], 'unknown subcommand "frobnicate"'],
    [['push'], 'give exactly one FILE'],
    [['get', 'x.json'], 'takes no FILE'],
  ])('exits 2 for %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
