import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, LOAD_BOUNDS } from '../../lambda/constants.ts';
import { createHandler } from '../../lambda/create-handler.ts';
import { createDependencies, warmUp } from '../../lambda/dependencies.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { type LambdaFreezeSimulation, simulateLambdaFreeze } from '../helpers/lambda-freeze.ts';
import { type CapturedOutput, captureOutput } from '../helpers/output.ts';
import { type LocalSsm, lambdaAwsEnv, startLocalSsm } from '../helpers/ssm-server.ts';

/**
 * The webhook under Lambda's real lifecycle: the real handler (createHandler + createDependencies), the real
 * AWS SDK against the loopback SSM server, and the process frozen between invocations (no timers, no I/O),
 * thawed with clock jumps of seconds to minutes (test/helpers/lambda-freeze.ts).
 */

const PARAMETER = '/docker-proxy-webhook/mappings';
const SECRET = 'webhook-token';
const TOKEN = 'k3yFr0mSecretsManager_0123456789';
const REVIEW = JSON.stringify(loadFixture('api/review-pod.json'));
const doc = (host: string) => JSON.stringify({ version: 1, registries: { 'docker.io': `${host}/hub` } });
/** Far above any bound, far below the changes under test: proof a wait was bounded, not a speed claim. */
const WELL_WITHIN = (boundMs: number) => boundMs + 700;

let ssm: LocalSsm;
let lambda: LambdaFreezeSimulation | undefined;
let out: CapturedOutput;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());
beforeEach(() => {
  ssm.reset();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(lambdaAwsEnv(ssm.endpoint))) vi.stubEnv(name, value);
  out = captureOutput();
  ssm.parameters.set(`/aws/reference/secretsmanager/${SECRET}`, TOKEN);
});
afterEach(() => {
  lambda?.uninstall();
  lambda = undefined;
  vi.restoreAllMocks();
});

/** A cold start as handler.ts does it (createDependencies, then the awaited warm-up), in the init phase. */
async function coldStart(ttlSeconds: number) {
  lambda = simulateLambdaFreeze();
  const deps = await lambda.init(async () => {
    const d = createDependencies({
      MAPPINGS_PARAMETER: PARAMETER,
      MAPPINGS_TTL_SECONDS: String(ttlSeconds),
      PATH_TOKEN_SECRET: SECRET,
    });
    await warmUp(d);
    return d;
  });
  const handler = createHandler(deps);
  const sim = lambda;
  /** One review after `frozenMs` frozen: which proxy nginx was sent to, and how long the invocation took. */
  return async (frozenMs: number) => {
    const { value, durationMs } = await sim.invoke(frozenMs, () =>
      handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext()),
    );
    expect(value.statusCode).toBe(200);
    const response = JSON.parse(value.body).response as { patch?: string };
    const ops = JSON.parse(Buffer.from(response.patch ?? 'W10=', 'base64').toString()) as {
      value?: unknown;
    }[];
    const nginx = ops.map((op) => op.value).find((v) => typeof v === 'string' && v.endsWith('/nginx:1.27'));
    return { proxy: typeof nginx === 'string' ? nginx.split('/')[0] : undefined, durationMs };
  };
}

const failures = () => out.logged('mappings load failed');
const getParameterCalls = () => ssm.calls.filter((c) => c.name === PARAMETER).length;

describe('a changed parameter is served by the first invocation after the TTL', () => {
  it.each([
    // The reproduction from issue 13: TTL 1 s, invocations 1.5-6 s apart.
    [1, [1_500, 3_000, 6_000, 1_500]],
    [60, [61_000, 5 * 60_000, 60_000, 3_600_000]],
  ])('TTL %i s, frozen %j ms between reviews', async (ttlSeconds, gaps) => {
    ssm.parameters.set(PARAMETER, doc('a0.example.com'));
    const review = await coldStart(ttlSeconds);
    expect((await review(0)).proxy).toBe('a0.example.com');

    for (const [i, gap] of gaps.entries()) {
      ssm.parameters.set(PARAMETER, doc(`a${i + 1}.example.com`));
      const served = await review(gap);
      expect(served.proxy).toBe(`a${i + 1}.example.com`);
      expect(served.durationMs).toBeLessThan(WELL_WITHIN(LOAD_BOUNDS.mappingsRefreshWaitMs));
    }
    expect(failures()).toEqual([]);
    expect(out.counted('MappingsLoadFailures')).toBe(0);
  });

  it('within the TTL the cached document is served without an SSM call', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    const review = await coldStart(60);
    ssm.parameters.set(PARAMETER, doc('b.example.com'));
    expect((await review(59_000)).proxy).toBe('a.example.com');
    expect(getParameterCalls()).toBe(1);
    expect((await review(1_000)).proxy).toBe('b.example.com');
  });
});

describe('an SSM outage serves the last good document and counts one failure per attempt', () => {
  it('failing calls: each attempt is one failure, whatever the thaws between', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    const review = await coldStart(60);
    ssm.outage({ kind: 'not-found' });
    // Attempts at 61 s (TTL), then each retry after LOAD_BOUNDS.mappingsRetryAfterMs: the 1 s thaws between
    // retries make no attempt and no failure.
    const gaps = [61_000, 1_000, 1_000, 1_000, 1_000, 1_000, 600_000, 1_000];
    for (const gap of gaps) expect((await review(gap)).proxy).toBe('a.example.com');

    // Three attempts (61 s, 66 s, 666 s), three failures: none from the thaws between them. (An attempt may make
    // more than one call: after a long freeze the SDK retries a request on a keep-alive socket that went away.)
    expect(getParameterCalls() - 1).toBeGreaterThanOrEqual(3);
    expect(failures()).toHaveLength(3);
    expect(out.counted('MappingsLoadFailures')).toBe(3);
    for (const line of failures()) {
      expect(line).toMatchObject({ kind: 'fetch', errorName: 'ParameterNotFound', servingStale: true });
    }

    ssm.outage(undefined);
    ssm.parameters.set(PARAMETER, doc('b.example.com'));
    expect((await review(LOAD_BOUNDS.mappingsRetryAfterMs)).proxy).toBe('b.example.com');
    expect(failures()).toHaveLength(3);
  });

  it('a slow SSM never delays a review beyond the bound, and is one timeout per attempt', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    const review = await coldStart(60);
    ssm.parameters.set(PARAMETER, doc('b.example.com'));
    ssm.outage({ kind: 'delay', ms: 20_000 });

    for (const gap of [61_000, 1_000, 4_000, 600_000]) {
      const served = await review(gap);
      expect(served.proxy).toBe('a.example.com');
      expect(served.durationMs).toBeLessThan(WELL_WITHIN(LOAD_BOUNDS.mappingsRefreshWaitMs));
    }
    // Attempts at 61 s, 66 s (after the retry wait) and 666 s: each aborted at the bound, none counted again
    // when the instance thaws with its (cleared) SDK timers long overdue.
    expect(failures()).toHaveLength(3);
    for (const line of failures()) {
      expect(line).toMatchObject({ kind: 'timeout', errorName: 'AttemptTimeoutError', servingStale: true });
      expect(line.durationMs).toBeLessThan(WELL_WITHIN(LOAD_BOUNDS.mappingsRefreshWaitMs));
    }

    ssm.outage(undefined);
    expect((await review(LOAD_BOUNDS.mappingsRetryAfterMs)).proxy).toBe('b.example.com');
    expect(failures()).toHaveLength(3);
  });
});

describe('what a cold start reads survives a freeze before the first invocation', () => {
  it('mappings and path token read in init; frozen 15 min; the first review refreshes, no false failure', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    const review = await coldStart(60);
    ssm.parameters.set(PARAMETER, doc('b.example.com'));

    expect((await review(15 * 60_000)).proxy).toBe('b.example.com');
    expect(failures()).toEqual([]);
    expect(out.logged('path token could not be read')).toEqual([]);
    // The token was read once, in init, and kept.
    expect(ssm.calls.filter((c) => c.name?.endsWith(SECRET))).toHaveLength(1);
  });

  it('a slow SSM at cold start: init ends within its bound and leaves nothing behind to fail on thaw', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    ssm.outage({ kind: 'delay', ms: 20_000 });
    lambda = simulateLambdaFreeze();
    const sim = lambda;
    const started = sim.now();
    const deps = await sim.init(async () => {
      const d = createDependencies({ MAPPINGS_PARAMETER: PARAMETER, PATH_TOKEN_SECRET: SECRET });
      await warmUp(d);
      return d;
    });
    const bound = Math.max(DEFAULTS.mappingsLoadTimeoutMs, LOAD_BOUNDS.pathTokenReadWaitMs);
    expect(sim.now() - started).toBeLessThan(WELL_WITHIN(bound));
    // One failure: the SDK's own request timeouts (2 × 0.9 s) or the 2 s bound, whichever came first.
    expect(failures()).toHaveLength(1);
    expect(failures()[0]).toMatchObject({ servingStale: false });

    ssm.outage(undefined);
    const handler = createHandler(deps);
    const { value } = await sim.invoke(10 * 60_000, () =>
      handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext()),
    );
    expect(value.statusCode).toBe(200);
    expect(JSON.parse(value.body).response.patchType).toBe('JSONPatch');
    expect(failures()).toHaveLength(1);
    expect(out.logged('path token could not be read')).toEqual([]);
  });

  it('a token read that failed in init is read again by the first request', async () => {
    ssm.parameters.set(PARAMETER, doc('a.example.com'));
    ssm.parameters.delete(`/aws/reference/secretsmanager/${SECRET}`);
    const review = await coldStart(60);
    ssm.parameters.set(`/aws/reference/secretsmanager/${SECRET}`, TOKEN);
    expect((await review(30_000)).proxy).toBe('a.example.com');
  });
});
