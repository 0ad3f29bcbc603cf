/**
 * Proxy health checks in the warm path: the handler with every proxy health-checked (`healthCheck: true`, the
 * proxy answering on loopback) against the same handler with checks off, both against the same floor as
 * warm.worker.ts; then reviews while the only proxy is black-holed, against the probe bound.
 */
import { performance } from 'node:perf_hooks';
import { createProxyHealth, HEALTH_DEFAULTS } from '../../lambda/health/health.ts';
import { createHttpsProbe } from '../../lambda/health/probe.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { createTestCertificates, startBlackHole, startFakeRegistry } from '../helpers/fake-registry.ts';
import type { HealthBench } from './health.ts';
import { BENCH_MAPPINGS, benchHandler, median, payloadFloor, reviewBody } from './shared.ts';

const quick = process.argv.includes('--quick');
const context = lambdaContext();
const certs = createTestCertificates();
const registry = await startFakeRegistry(certs.good, 401);
const hole = await startBlackHole();
const proxyHealth = () => createProxyHealth({ probe: createHttpsProbe({ ca: certs.trustedCa }) });

/** {@link BENCH_MAPPINGS} with its proxies moved to `host`, health-checked or not. */
function document(host: string, healthCheck: boolean) {
  const registries = Object.fromEntries(
    Object.entries(BENCH_MAPPINGS.registries).map(([name, target]) => {
      const move = (proxy: string) => proxy.replace('harbor.example.com', host);
      return [name, typeof target === 'string' ? move(target) : { ...target, proxy: move(target.proxy) }];
    }),
  );
  return { ...BENCH_MAPPINGS, registries, healthCheck };
}

async function warmPath(): Promise<HealthBench['warm']> {
  const on = await benchHandler(document(registry.host, true), proxyHealth());
  const off = await benchHandler(document(registry.host, false), proxyHealth());
  const body = reviewBody(10);
  const event = restEvent({ body });
  // The first review with checks on probes the proxy (up, trusted for 30 s); the rounds below see the cache.
  await on(event, context);
  const floor = payloadFloor(body, JSON.parse((await off(event, context)).body).response);
  const perRound = quick ? 200 : 800;
  const times = { on: [] as number[], off: [] as number[], floor: [] as number[] };
  let sink = 0;
  const timed = async (into: number[], one: () => Promise<number> | number) => {
    const t = performance.now();
    for (let i = 0; i < perRound; i++) sink += await one();
    into.push(((performance.now() - t) * 1000) / perRound);
  };
  for (let r = 0; r < (quick ? 7 : 21) + 1; r++) {
    await new Promise((resolve) => setImmediate(resolve));
    const round = { on: [] as number[], off: [] as number[], floor: [] as number[] };
    await timed(round.on, async () => (await on(event, context)).statusCode);
    await timed(round.off, async () => (await off(event, context)).statusCode);
    await timed(round.floor, floor);
    // Round 0 warms all three up.
    if (r > 0) for (const key of ['on', 'off', 'floor'] as const) times[key].push(...round[key]);
  }
  const [onUs, offUs, floorUs] = [median(times.on), median(times.off), median(times.floor)];
  return { onUs, offUs, floorUs, onRatio: onUs / floorUs, offRatio: offUs / floorUs, sink };
}

async function blackHoled(): Promise<HealthBench['blackHole']> {
  const event = restEvent({ body: reviewBody(1) });
  const reviewsMs: number[] = [];
  let fellBack = true;
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    // A fresh instance each time: a down answer would otherwise be trusted for 10 s and nothing probed.
    const handler = await benchHandler(document(hole.host, true), proxyHealth());
    const t = performance.now();
    const answer = JSON.parse((await handler(event, context)).body);
    reviewsMs.push(performance.now() - t);
    const patch = Buffer.from(answer.response.patch ?? '', 'base64').toString('utf8');
    if (patch !== '' && JSON.parse(patch).length > 0) fellBack = false;
  }
  return {
    reviewsMs,
    medianMs: median(reviewsMs),
    maxMs: Math.max(...reviewsMs),
    boundMs: HEALTH_DEFAULTS.waitMs,
    fellBack,
  };
}

const result: HealthBench = { warm: await warmPath(), blackHole: await blackHoled() };
await Promise.all([registry.close(), hole.close()]);
certs.cleanup();
process.send?.(result, () => process.exit(0));
