import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../lambda/config.ts';
import { createProxyHealth } from '../../lambda/health/health.ts';
import { createHttpsProbe } from '../../lambda/health/probe.ts';
import { ALL_UP, applyHealth } from '../../lambda/images/proxy-health.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { healthPolicies } from '../../lambda/mappings/health-policy.ts';
import type { Mappings } from '../../lambda/mappings/parse.ts';
import type { MappingsSnapshot, MappingsSource } from '../../lambda/mappings/source.ts';
import { createTelemetry } from '../../lambda/telemetry.ts';
import { createWebhook } from '../../lambda/webhook.ts';
import { compileMappings, patchOf, podReview } from '../helpers/admission.ts';
import { validReference } from '../helpers/arbitraries.ts';
import {
  createTestCertificates,
  type FakeRegistry,
  startBlackHole,
  startFakeRegistry,
  type TestCertificates,
} from '../helpers/fake-registry.ts';

/** The webhook with health-checked proxies, against fake registries over real TLS on loopback. */

// Roomy: a loaded machine can be slow to shake hands with the registries that do answer.
const WAIT_MS = 1_500;
let certs: TestCertificates;
let registry: FakeRegistry;
let hole: { host: string; close(): Promise<void> };
let logs: string[];

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
  registry.queue.length = 0;
  registry.requests.length = 0;
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((line) => {
    logs.push(String(line));
    return true;
  });
  return () => vi.restoreAllMocks();
});

function document(registries: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return compileMappings({ version: 1, registries, pullSecret: null, ...extra });
}

function fixedSource(mappings: Mappings): MappingsSource<Mappings> {
  const snapshot: MappingsSnapshot<Mappings> = {
    value: mappings,
    loadedAt: 0,
    ageMs: 0,
    stale: false,
    lastError: undefined,
  };
  return {
    current: async () => snapshot,
    peek: () => snapshot,
    refresh: async () => snapshot,
  };
}

function webhook(mappings: Mappings, env: Record<string, string> = {}, now?: () => number) {
  const proxies = createProxyHealth({
    probe: createHttpsProbe({ ca: certs.trustedCa }),
    waitMs: WAIT_MS,
    ...(now === undefined ? {} : { now }),
  });
  const telemetry = createTelemetry();
  const metrics = vi.spyOn(telemetry.metrics, 'addMetric');
  const hook = createWebhook({
    config: readConfig({ MAPPINGS_FILE: 'unused.json', ...env }),
    mappings: fixedSource(mappings),
    telemetry,
    proxies,
  });
  return { hook, proxies, metrics };
}

const POD = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
const reviewLine = () =>
  logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.message === 'review');

describe('/mutate with health-checked proxies', () => {
  it('up (401): rewritten as without health checks, after one probe', async () => {
    const { hook } = webhook(document({ 'docker.io': `${registry.host}/hub` }, { healthCheck: true }));
    const response = await hook.review('mutate', podReview(POD));
    expect(patchOf(response)[0]).toMatchObject({ value: `${registry.host}/hub/library/nginx:1.27` });
    expect(registry.requests).toEqual(['/v2/']);
  });

  it('down (503): image left as written, a warning naming the proxy, counted in the review line', async () => {
    registry.mode = 503;
    const { hook, metrics } = webhook(
      document({ 'docker.io': `${registry.host}/hub` }, { healthCheck: true }),
    );
    const response = await hook.review('mutate', podReview(POD));
    expect(patchOf(response)).toEqual([]);
    expect(response.response.warnings).toEqual([
      `app: proxy ${registry.host} is down; nginx:1.27 pulled from upstream`,
    ]);
    expect(reviewLine()).toMatchObject({
      proxyUnavailable: 1,
      decisions: [{ decision: 'proxy-unavailable', image: 'nginx:1.27', proxy: registry.host }],
    });
    expect(metrics).toHaveBeenCalledWith('ImagesProxyUnavailable', 'Count', 1);
  });

  it('black-holed: the review returns at the bound and falls back', async () => {
    const { hook, proxies } = webhook(document({ 'docker.io': `${hole.host}/hub` }, { healthCheck: true }));
    const response = await hook.review('mutate', podReview(POD));
    expect(patchOf(response)).toEqual([]);
    expect(proxies.inFlight).toBe(0);
  });

  it('whenDown "rewrite": rewritten even when the proxy is down, and the review does not wait for a probe', async () => {
    registry.mode = 503;
    const { hook } = webhook(
      document({ 'docker.io': { proxy: `${registry.host}/hub`, healthCheck: true, whenDown: 'rewrite' } }),
    );
    const response = await hook.review('mutate', podReview(POD));
    expect(patchOf(response)[0]).toMatchObject({ value: `${registry.host}/hub/library/nginx:1.27` });
    expect(registry.requests).toEqual([]);
  });

  it('checks off (a document without the keys): never probed, rewritten even when the proxy is down', async () => {
    registry.mode = 503;
    const { hook } = webhook(document({ 'docker.io': `${registry.host}/hub` }));
    const response = await hook.review('mutate', podReview(POD));
    expect(patchOf(response)[0]).toMatchObject({ value: `${registry.host}/hub/library/nginx:1.27` });
    expect(registry.requests).toEqual([]);
  });

  it('per entry: a node-only proxy with checks off beside a checked one', async () => {
    registry.mode = 503;
    const mappings = document(
      {
        'docker.io': `${registry.host}/hub`,
        'ghcr.io': { proxy: 'harbor.internal.example.com/ghcr', healthCheck: false },
      },
      { healthCheck: true },
    );
    const { hook } = webhook(mappings);
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: 'nginx:1.27' },
          { name: 'b', image: 'ghcr.io/fluxcd/flux:2' },
        ],
      },
    };
    const response = await hook.review('mutate', podReview(pod));
    expect(patchOf(response).filter((op) => op.path.endsWith('/image'))).toEqual([
      {
        op: 'replace',
        path: '/spec/containers/1/image',
        value: 'harbor.internal.example.com/ghcr/fluxcd/flux:2',
      },
    ]);
  });

  it('the decision cache never serves a decision made under another health state', async () => {
    let clock = 1_000_000;
    const { hook } = webhook(
      document({ 'docker.io': `${registry.host}/hub` }, { healthCheck: true }),
      {},
      () => clock,
    );
    const images = async () => {
      const patch = patchOf(await hook.review('mutate', podReview(POD)));
      return patch.length === 0 ? 'upstream' : 'proxy';
    };
    registry.queue.push(401, 503, 200);
    expect(await images()).toBe('proxy');
    clock += 30_000;
    expect(await images()).toBe('upstream');
    expect(await images()).toBe('upstream'); // down held 10 s, no probe
    clock += 10_000;
    expect(await images()).toBe('proxy');
    expect(registry.requests).toHaveLength(3);
  });
});

describe('/validate with a proxy down', () => {
  it('deny mode does not deny an image left upstream because its proxy is down', async () => {
    registry.mode = 503;
    const { hook } = webhook(document({ 'docker.io': `${registry.host}/hub` }, { healthCheck: true }), {
      VALIDATE_MODE: 'deny',
    });
    const response = await hook.review('validate', podReview(POD));
    expect(response.response.allowed).toBe(true);
  });
});

describe('/healthz', () => {
  it('reports every proxy: checked ones with their state, unchecked ones as such', async () => {
    registry.mode = 503;
    const mappings = document({
      'docker.io': { proxy: `${registry.host}/hub`, healthCheck: true },
      'ghcr.io': 'harbor.internal.example.com/ghcr',
    });
    const report = await webhook(mappings).hook.health();
    expect(report.proxies).toEqual([
      {
        host: registry.host,
        checked: true,
        whenDown: 'upstream',
        state: 'down',
        ageSeconds: 0,
        detail: 'HTTP 503',
      },
      { host: 'harbor.internal.example.com', checked: false },
    ]);
  });
});

describe('property: with every proxy up, decisions equal those without health checks', () => {
  const REGISTRIES = {
    'docker.io': 'harbor.example.com/hub',
    'ghcr.io': 'harbor.example.com/ghcr',
    '*.gcr.io': 'cache.example.com/gcr',
    'quay.io/prometheus': 'cache.example.com/prom',
  };
  it('for any image and any choice of checked entries', () => {
    const without = document(REGISTRIES);
    fc.assert(
      fc.property(
        validReference,
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom('up', 'unknown'),
        (image, checks, state) => {
          const withChecks = document(
            Object.fromEntries(
              Object.entries(REGISTRIES).map(([key, proxy], i) => [key, { proxy, healthCheck: checks[i] }]),
            ),
          );
          const policies = healthPolicies(withChecks);
          const health =
            state === 'unknown'
              ? ALL_UP
              : new Map([...policies.values()].map((p) => [p.host, 'up' as const]));
          expect(applyHealth(decideImage(image, withChecks), policies, health)).toEqual(
            decideImage(image, without),
          );
        },
      ),
    );
  });
});

describe('the mappings document', () => {
  it.each([
    [{ healthCheck: 'yes' }, 'healthCheck: "yes" is not a boolean'],
    [{ whenDown: 'never' }, 'whenDown: "never" is not allowed; expected "upstream" or "rewrite"'],
    [
      { registries: { 'docker.io': { proxy: 'h.example.com/x', healthCheck: 1 } } },
      'registries["docker.io"].healthCheck: 1 is not a boolean',
    ],
  ])('rejects %j with the JSON path', async (extra, message) => {
    const { parseMappings } = await import('../../lambda/mappings/parse.ts');
    const result = parseMappings({ version: 1, registries: { 'docker.io': 'h.example.com/x' }, ...extra });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain(message);
  });

  it('a document without the keys checks nothing and gains no keys (so its revision is unchanged)', () => {
    const plain = document({ 'docker.io': 'h.example.com/x' });
    expect(healthPolicies(plain).size).toBe(0);
    expect(Object.keys(plain.document)).not.toContain('healthCheck');
    expect(Object.keys(plain.document)).not.toContain('whenDown');
  });
});
