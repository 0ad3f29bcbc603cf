import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProxyHealth, type ProxyHealthOptions } from '../../lambda/health/health.ts';
import { classifyStatus, createHttpsProbe, probeUrl } from '../../lambda/health/probe.ts';
import {
  createTestCertificates,
  type FakeRegistry,
  refusedHost,
  startBlackHole,
  startFakeRegistry,
  type TestCertificates,
} from '../helpers/fake-registry.ts';

/** Real TCP and TLS on loopback: the HTTPS probe against fake registries, through the health cache. */

const WAIT_MS = 200;
let certs: TestCertificates;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  certs = createTestCertificates();
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  certs.cleanup();
});

async function registry(answer: 200 | 401 | 503 | 'hang', bad = false): Promise<FakeRegistry> {
  const started = await startFakeRegistry(bad ? certs.bad : certs.good, answer);
  closers.push(started.close);
  return started;
}

/** Cases where the registry answers get a roomy bound (a loaded CI machine can be slow to shake hands). */
const ANSWER_WAIT_MS = 3_000;

function health(overrides: Partial<ProxyHealthOptions> = {}) {
  return createProxyHealth({
    probe: createHttpsProbe({ ca: certs.trustedCa }),
    waitMs: ANSWER_WAIT_MS,
    ...overrides,
  });
}

describe('HTTPS probe of GET /v2/ against a fake registry', () => {
  it.each([
    { case: 'up: 200 (anonymous registry)', answer: 200, state: 'up', detail: /^HTTP 200$/ },
    { case: 'up: 401 (registry asks for credentials)', answer: 401, state: 'up', detail: /^HTTP 401$/ },
    { case: 'down: 503', answer: 503, state: 'down', detail: /^HTTP 503$/ },
    { case: 'down: TLS done, no HTTP answer', answer: 'hang', state: 'down', detail: /^timeout/ },
  ] as const)('$case', async ({ answer, state, detail }) => {
    // Prepare
    const fake = await registry(answer);
    const proxies = health(answer === 'hang' ? { waitMs: WAIT_MS } : {});
    // Act
    const snapshot = await proxies.check([fake.host]);
    // Assess
    expect(snapshot.get(fake.host)).toBe(state);
    expect(proxies.statuses()[0]?.detail).toMatch(detail);
    expect(fake.requests).toEqual(['/v2/']);
    expect(proxies.inFlight).toBe(0);
  });

  it('down: connection refused', async () => {
    const host = await refusedHost();
    const proxies = health();
    expect((await proxies.check([host])).get(host)).toBe('down');
    expect(proxies.statuses()[0]?.detail).toBe('connection: ECONNREFUSED');
  });

  it('down: a certificate the function does not trust (another CA)', async () => {
    const fake = await registry(200, true);
    const proxies = health();
    expect((await proxies.check([fake.host])).get(fake.host)).toBe('down');
    expect(proxies.statuses()[0]?.detail).toMatch(/^tls: /);
    expect(fake.requests).toEqual([]);
  });

  it('down: black-holed (TCP accepted, nothing said): the check returns at the bound and leaves no socket', async () => {
    // Prepare
    const hole = await startBlackHole();
    closers.push(hole.close);
    const proxies = health({ waitMs: WAIT_MS });
    // Act: the black hole never answers, so returning at all is the bound at work.
    const started = performance.now();
    const snapshot = await proxies.check([hole.host]);
    const waited = performance.now() - started;
    // Assess
    expect(snapshot.get(hole.host)).toBe('down');
    expect(proxies.statuses()[0]?.detail).toBe(`timeout: no answer within ${WAIT_MS} ms`);
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 5);
    expect(proxies.inFlight).toBe(0);
  });

  it('checks several hosts in parallel: one slow host does not add its wait to the others', async () => {
    const up = await registry(401);
    const down = await registry(503);
    const hole = await startBlackHole();
    closers.push(hole.close);
    const proxies = health({ waitMs: WAIT_MS * 5 });
    const snapshot = await proxies.check([up.host, down.host, hole.host]);
    expect(Object.fromEntries(snapshot)).toEqual({
      [up.host]: 'up',
      [down.host]: 'down',
      [hole.host]: 'down',
    });
  });

  it('at most one probe per host in flight: concurrent reviews join it', async () => {
    const fake = await registry(200);
    const proxies = health();
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => proxies.check([fake.host, fake.host])));
    expect(results.map((r) => r.get(fake.host))).toEqual(['up', 'up', 'up', 'up', 'up']);
    expect(fake.requests).toHaveLength(1);
  });

  it('flapping: each state is held for its TTL (up 30 s, down 10 s), then probed again', async () => {
    // Prepare: the registry alternates; the clock is the test's.
    const fake = await registry(200);
    fake.queue.push(200, 503, 200, 503);
    let clock = 1_000_000;
    const changes: string[] = [];
    const proxies = health({
      now: () => clock,
      upTtlMs: 30_000,
      downTtlMs: 10_000,
      onChange: (status, previous) => changes.push(`${previous}->${status.state}`),
    });
    const state = async () => (await proxies.check([fake.host])).get(fake.host);
    // Act / Assess
    expect(await state()).toBe('up');
    clock += 29_000;
    expect(await state()).toBe('up'); // cached: no request
    clock += 1_000;
    expect(await state()).toBe('down');
    clock += 9_999;
    expect(await state()).toBe('down'); // cached
    clock += 1;
    expect(await state()).toBe('up');
    clock += 30_000;
    expect(await state()).toBe('down');
    expect(fake.requests).toHaveLength(4);
    expect(changes).toEqual(['unknown->up', 'up->down', 'down->up', 'up->down']);
  });
});

describe('the freeze (Lambda stops the process between invocations)', () => {
  it('a timeout timer that fires late (frozen or blocked time) is no answer: the last known state stays', async () => {
    // Prepare: the proxy was up; its state is due; the clock jumps a minute while the probe waits.
    const fake = await registry(200);
    let clock = 1_000_000;
    const proxies = health({ now: () => clock });
    await proxies.check([fake.host]);
    clock += 31_000;
    fake.mode = 'hang';
    // Act
    const pending = proxies.check([fake.host]);
    clock += 60_000; // the thaw: the timer fires, but a minute of wall time went by since the probe started
    const snapshot = await pending;
    // Assess
    expect(snapshot.get(fake.host)).toBe('up');
    expect(proxies.statuses()[0]?.detail).toMatch(/^attempt interrupted after 60\d{3} ms/);
    // The next invocation probes again (nothing was cached from the interrupted attempt).
    fake.mode = 401;
    expect((await proxies.check([fake.host])).get(fake.host)).toBe('up');
    expect(fake.requests).toHaveLength(3);
  });

  it('a state from before a long freeze is re-checked, never served as fresh, never turned into down', async () => {
    const fake = await registry(401);
    let clock = 1_000_000;
    const proxies = health({ now: () => clock });
    expect((await proxies.check([fake.host])).get(fake.host)).toBe('up');
    // Frozen for 5 minutes: no event-loop turn, the clock jumps.
    clock += 300_000;
    expect((await proxies.check([fake.host])).get(fake.host)).toBe('up');
    expect(fake.requests).toHaveLength(2);
  });

  it('nothing is left running behind a response: the black-holed probe socket is closed when check returns', async () => {
    const hole = await startBlackHole();
    closers.push(hole.close);
    const proxies = health({ waitMs: WAIT_MS });
    await proxies.check([hole.host]);
    expect(proxies.inFlight).toBe(0);
    // The client side destroyed its socket: the black hole sees the connection close.
    await vi.waitFor(() => expect(hole.openConnections()).toBe(0));
    // A later invocation starts a fresh attempt (down is held 10 s, then probed again).
    expect((await proxies.check([hole.host])).get(hole.host)).toBe('down');
  });
});

describe('classifying answers', () => {
  it.each([
    [200, true],
    [401, true],
    [500, false],
    [502, false],
    [503, false],
    [504, false],
    [403, true],
    [404, true],
    [302, true],
  ])('HTTP %i → up %s', (status, up) => {
    expect(classifyStatus(status).up).toBe(up);
  });

  it.each([
    ['harbor.example.com', 'https://harbor.example.com/v2/'],
    ['harbor.example.com:8443', 'https://harbor.example.com:8443/v2/'],
    ['[::1]:5000', 'https://[::1]:5000/v2/'],
    ['docker.io', 'https://registry-1.docker.io/v2/'],
  ])('%s is probed at %s', (host, url) => {
    expect(probeUrl(host)).toBe(url);
  });

  it('an unknown host counts as unknown (up for decisions) until a probe answers', () => {
    const proxies = health();
    expect(proxies.statuses(['never.example.com'])).toEqual([
      { host: 'never.example.com', state: 'unknown' },
    ]);
  });
});
