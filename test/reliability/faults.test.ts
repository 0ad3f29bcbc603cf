import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../lambda/create-handler.ts';
import { createDependencies } from '../../lambda/dependencies.ts';
import { startLocalServer } from '../../lambda/local/server.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { type CapturedOutput, captureOutput } from '../helpers/output.ts';
import { type LocalSsm, lambdaAwsEnv, type SsmFault, startLocalSsm } from '../helpers/ssm-server.ts';

const PARAMETER = '/docker-proxy-webhook/mappings';
const MAPPINGS = JSON.stringify(loadFixture('api/mappings.json'));
const REVIEW = JSON.stringify(loadFixture('api/review-pod.json'));
/** The longest a review may wait on SSM (DEFAULTS.mappingsLoadTimeoutMs), plus scheduling slack. */
const WAIT_BOUND_MS = 2_000 + 1_000;

let ssm: LocalSsm;
let out: CapturedOutput;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());
beforeEach(() => {
  ssm.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  for (const [k, v] of Object.entries(lambdaAwsEnv(ssm.endpoint))) vi.stubEnv(k, v);
  out = captureOutput();
});

const logged = (message: string) => out.logged(message);
const counted = (metric: string) => out.counted(metric);

async function review(handler: ReturnType<typeof createHandler>) {
  const started = performance.now();
  const result = await handler(restEvent({ body: REVIEW }), lambdaContext());
  return { waitedMs: performance.now() - started, status: result.statusCode, body: JSON.parse(result.body) };
}

describe('SSM faults at cold start', () => {
  it.each<[string, SsmFault[], string]>([
    ['throttled', [{ kind: 'throttle' }, { kind: 'throttle' }], 'ThrottlingException'],
    ['failing', [{ kind: 'server-error' }, { kind: 'server-error' }], 'InternalServerError'],
    ['missing', [], 'ParameterNotFound'],
    [
      'slow',
      [
        { kind: 'delay', ms: 6_000 },
        { kind: 'delay', ms: 6_000 },
      ],
      'TimeoutError', // the SDK's per-attempt timeout, or the source's 2 s bound (LoadTimeoutError)
    ],
  ])(
    '%s: pods are admitted unchanged with a warning, counted and logged, within the bound',
    async (_name, faults, error) => {
      if (faults.length > 0) ssm.parameters.set(PARAMETER, MAPPINGS);
      ssm.fail(...faults);
      const handler = createHandler(createDependencies({ MAPPINGS_PARAMETER: PARAMETER }));

      const answer = await review(handler);

      expect(answer.waitedMs).toBeLessThan(WAIT_BOUND_MS);
      expect(answer.status).toBe(200);
      expect(answer.body.response).toMatchObject({ allowed: true });
      expect(answer.body.response.patch).toBeUndefined();
      expect(answer.body.response.warnings).toEqual([
        'docker-proxy-webhook: no registry mappings are loaded yet; images left unchanged (see the webhook logs)',
      ]);
      expect(counted('ReviewsWithoutMappings')).toBe(1);
      expect(counted('MappingsLoadFailures')).toBe(1);
      expect(JSON.stringify(logged('mappings load failed'))).toContain(error);
      expect(logged('mappings load failed')[0]).toMatchObject({ servingStale: false });
    },
    15_000,
  );
});

describe('SSM faults during refresh', () => {
  it.each<[string, SsmFault[]]>([
    ['throttled', [{ kind: 'throttle' }, { kind: 'throttle' }]],
    ['failing', [{ kind: 'server-error' }, { kind: 'server-error' }]],
    [
      'slow',
      [
        { kind: 'delay', ms: 6_000 },
        { kind: 'delay', ms: 6_000 },
      ],
    ],
    ['missing', [{ kind: 'not-found' }]],
  ])(
    '%s: the last good mappings keep serving, within the refresh bound',
    async (_name, faults) => {
      ssm.parameters.set(PARAMETER, MAPPINGS);
      const handler = createHandler(
        createDependencies({ MAPPINGS_PARAMETER: PARAMETER, MAPPINGS_TTL_SECONDS: '1' }),
      );
      expect((await review(handler)).body.response.patchType).toBe('JSONPatch');

      await new Promise((resolve) => setTimeout(resolve, 1_100));
      ssm.fail(...faults);
      const during = await review(handler);
      expect(during.waitedMs).toBeLessThan(500);
      expect(during.body.response.patchType).toBe('JSONPatch');

      await vi.waitFor(() => expect(logged('mappings load failed')).toHaveLength(1), {
        timeout: 8_000,
        interval: 50,
      });
      expect(logged('mappings load failed')[0]).toMatchObject({ servingStale: true });
      // Counted when it happens, published with the next invocation's metrics.
      const health = await handler(restEvent({ method: 'GET', path: '/healthz' }), lambdaContext());
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'degraded',
        mappings: { loaded: true, stale: true },
      });
      expect(counted('MappingsLoadFailures')).toBe(1);
    },
    15_000,
  );

  it('an invalid new document is rejected with its JSON path, and the previous one keeps serving', async () => {
    ssm.parameters.set(PARAMETER, MAPPINGS);
    const handler = createHandler(
      createDependencies({ MAPPINGS_PARAMETER: PARAMETER, MAPPINGS_TTL_SECONDS: '1' }),
    );
    await review(handler);
    ssm.parameters.set(PARAMETER, JSON.stringify({ version: 1, registries: { 'docker.io': 'https://x' } }));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await review(handler);
    await vi.waitFor(() => expect(logged('mappings load failed')).toHaveLength(1), {
      timeout: 5_000,
      interval: 50,
    });
    expect(logged('mappings load failed')[0]).toMatchObject({
      errorName: 'MappingsValidationError',
      kind: 'invalid',
      servingStale: true,
      error: 'registries["docker.io"]: "https://x" is not a registry prefix; write host[:port][/path]',
    });
    expect((await review(handler)).body.response.patchType).toBe('JSONPatch');
    expect(counted('MappingsLoadFailures')).toBe(1);
  }, 15_000);
});

describe('local server mappings file faults', () => {
  it.each([
    ['deleted', (file: string) => rmSync(file)],
    ['corrupted', (file: string) => writeFileSync(file, '{"version": 1, "registries": ')],
  ])('%s: keeps serving the previous mappings and reports the fault', async (_name, damage) => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-fault-'));
    const file = join(dir, 'mappings.json');
    writeFileSync(file, MAPPINGS);
    const server = await startLocalServer({
      port: 0,
      cwd: dir,
      tlsDir: mkdtempSync(join(tmpdir(), 'dpw-fault-tls-')),
    });
    try {
      await server.dependencies.mappings.current();
      damage(file);
      await vi.waitFor(() => expect(server.dependencies.mappings.peek().lastError).toBeDefined(), {
        timeout: 5_000,
        interval: 50,
      });
      const answer = await review(server.handler);
      expect(answer.body.response.patchType).toBe('JSONPatch');
    } finally {
      await server.close();
    }
  });
});
