import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../lambda/config.ts';
import { createProxyHealth, type ProxyHealth } from '../../lambda/health/health.ts';
import { createHttpsProbe } from '../../lambda/health/probe.ts';
import type { Mappings } from '../../lambda/mappings/parse.ts';
import type { MappingsSnapshot } from '../../lambda/mappings/source.ts';
import { createTelemetry } from '../../lambda/telemetry.ts';
import { createWebhook } from '../../lambda/webhook.ts';
import { compileMappings, patchOf, podReview } from '../helpers/admission.ts';
import {
  createTestCertificates,
  type FakeRegistry,
  startBlackHole,
  startFakeRegistry,
  type TestCertificates,
} from '../helpers/fake-registry.ts';
import { type LambdaFreezeSimulation, simulateLambdaFreeze } from '../helpers/lambda-freeze.ts';

/**
 * Proxy health under Lambda's lifecycle (test/helpers/lambda-freeze.ts): the process frozen between invocations
 * (no timer fires, no socket is read), thawed with clock jumps; probes over real TLS to loopback registries.
 */

const WAIT_MS = 300;
/** Far above the bound, far below the freezes under test: proof a wait was bounded, not a speed claim. */
const WELL_WITHIN = WAIT_MS + 700;
const POD = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };

let certs: TestCertificates;
let registry: FakeRegistry;
let hole: { host: string; close(): Promise<void> };
let lambda: LambdaFreezeSimulation | undefined;

beforeAll(async () => {
  certs = createTestCertificates();
  registry = await startFakeRegistry(certs.good, 401);
  hole = await startBlackHole();
});
afterAll(async () => {
  await Promise.all([registry.close(), hole.close()]);
  certs.cleanup();
});
beforeEach(() => {
  registry.mode = 401;
  registry.requests.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  lambda?.uninstall();
  lambda = undefined;
  vi.restoreAllMocks();
});

/** A cold start (init phase) of a webhook whose docker.io proxy is `host`, health-checked. */
async function coldStart(host: string) {
  lambda = simulateLambdaFreeze();
  const sim = lambda;
  const mappings = compileMappings({
    version: 1,
    healthCheck: true,
    registries: { 'docker.io': `${host}/hub` },
  });
  const snapshot: MappingsSnapshot<Mappings> = {
    value: mappings,
    loadedAt: 0,
    ageMs: 0,
    stale: false,
    lastError: undefined,
  };
  const { hook, proxies } = await sim.init(() => {
    const health = createProxyHealth({ probe: createHttpsProbe({ ca: certs.trustedCa }), waitMs: WAIT_MS });
    return {
      proxies: health,
      hook: createWebhook({
        config: readConfig({ MAPPINGS_FILE: 'unused.json' }),
        mappings: { current: async () => snapshot, peek: () => snapshot, refresh: async () => snapshot },
        telemetry: createTelemetry(),
        proxies: health,
      }),
    };
  });
  /** One review after `frozenMs` frozen: where nginx went, and how long the invocation took (simulated). */
  const review = async (frozenMs: number) => {
    const { value, durationMs } = await sim.invoke(frozenMs, () => hook.review('mutate', podReview(POD)));
    return { target: patchOf(value).length === 0 ? 'upstream' : 'proxy', durationMs };
  };
  return { review, proxies: proxies as ProxyHealth, sim };
}

describe('proxy health across freezes', () => {
  it('a proxy that fails while the instance is frozen is seen by the first review after the up TTL, not before', async () => {
    const { review } = await coldStart(registry.host);
    expect((await review(0)).target).toBe('proxy');
    registry.mode = 503; // the outage starts while the instance is frozen
    expect((await review(10_000)).target).toBe('proxy'); // up is trusted 30 s: no probe
    const after = await review(25_000);
    expect(after.target).toBe('upstream');
    expect(after.durationMs).toBeLessThan(WELL_WITHIN);
    registry.mode = 200; // recovered while frozen for an hour
    expect((await review(3_600_000)).target).toBe('proxy');
    expect(registry.requests).toHaveLength(3);
  });

  it('a black-holed proxy: each probing review stays within the bound, before and after long freezes', async () => {
    const { review, proxies } = await coldStart(hole.host);
    for (const frozenMs of [0, 60_000, 600_000]) {
      const result = await review(frozenMs);
      expect(result.target).toBe('upstream');
      expect(result.durationMs).toBeLessThan(WELL_WITHIN);
      expect(proxies.inFlight).toBe(0); // nothing left to run behind the response
    }
  });

  it('a probe left behind a response (a caller that did not await) is not taken for a timeout on thaw', async () => {
    // Prepare: a proxy never probed yet, whose probe hangs (TLS done, no HTTP answer).
    registry.mode = 'hang';
    const { proxies, sim } = await coldStart(registry.host);
    let pending: Promise<unknown> | undefined;
    await sim.invoke(0, async () => {
      pending = proxies.check([registry.host]);
    });
    // Act: thawed a minute later, the probe's timeout timer fires at once — overdue, not a real timeout.
    await sim.invoke(60_000, async () => pending);
    // Assess: no answer was had, so nothing is concluded: the proxy stays unknown (counts as up).
    expect(proxies.statuses()).toEqual([
      {
        host: registry.host,
        state: 'unknown',
        detail: expect.stringMatching(/^attempt interrupted after 6\d{4} ms/),
      },
    ]);
  });
});
