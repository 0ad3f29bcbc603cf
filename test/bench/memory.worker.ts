/** Memory: heap after N reviews against after 1k (run with --expose-gc). */
import { createHandler } from '../../lambda/api.ts';
import { readConfig } from '../../lambda/config.ts';
import { parseMappings } from '../../lambda/mappings/schema.ts';
import { createMappingsSource } from '../../lambda/mappings/source.ts';
import { createTelemetry } from '../../lambda/telemetry.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { BENCH_MAPPINGS, reviewBody } from './shared.ts';

const total = process.argv.includes('--quick') ? 20_000 : 100_000;
const parsed = parseMappings(BENCH_MAPPINGS);
if (!parsed.ok) throw parsed.error;
const mappings = createMappingsSource({
  load: async () => '',
  parse: () => ({ ok: true as const, value: parsed.mappings }),
  ttlMs: 3_600_000,
  loadTimeoutMs: 1000,
});
await mappings.current();
const handler = createHandler({
  config: readConfig({ MAPPINGS_FILE: 'bench' }),
  mappings,
  telemetry: createTelemetry(),
  pathToken: async () => undefined,
});
const context = lambdaContext();
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};
const nextInvocation = () => new Promise((resolve) => setImmediate(resolve));
// Distinct uids and images, as in a real cluster: caches that grow per request would show. Each review is its
// own turn of the event loop, as each Lambda invocation is: without that, the write callbacks Node defers with
// process.nextTick pile up for the whole loop and look like a leak.
const run = async (from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const body = reviewBody(10, `uid-${i}`).replace('nginx:1.27', `nginx:1.${i % 5000}`);
    await handler(restEvent({ body }), context);
    await nextInvocation();
  }
};
await run(0, 1_000);
const after1k = settle();
await run(1_000, total);
const afterAll = settle();
process.send?.({ reviews: total, after1k, afterAll, growth: afterAll - after1k });
