/** Memory: heap after N reviews against after 1k (run with --expose-gc). */
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { benchHandler, reviewBody } from './shared.ts';

const total = process.argv.includes('--quick') ? 20_000 : 100_000;
const handler = await benchHandler();
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
