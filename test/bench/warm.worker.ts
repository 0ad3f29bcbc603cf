/** Warm path: the handler per AdmissionReview against JSON.parse + JSON.stringify + base64 of the same payload. */
import { performance } from 'node:perf_hooks';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { benchHandler, median, payloadFloor, reviewBody } from './shared.ts';

const quick = process.argv.includes('--quick');
const handler = await benchHandler();
const context = lambdaContext();

let sink = 0;
const results: Record<string, { handlerUs: number; floorUs: number; ratio: number; bodyBytes: number }> = {};
for (const containers of [1, 10, 100]) {
  const body = reviewBody(containers);
  const event = restEvent({ body });
  const answer = JSON.parse((await handler(event, context)).body);
  const floorOnce = payloadFloor(body, answer.response);
  const floor = () => {
    sink += floorOnce();
  };
  const perRound = Math.max(20, Math.round((quick ? 2_000 : 8_000) / containers));
  const rounds = quick ? 7 : 21;
  for (let i = 0; i < perRound; i++) {
    await handler(event, context);
    floor();
  }
  const handlerTimes: number[] = [];
  const floorTimes: number[] = [];
  // Interleaved rounds: both sides see the same machine noise. Between rounds, a turn of the event loop lets
  // the log writes' deferred callbacks run, as they do between Lambda invocations.
  for (let r = 0; r < rounds; r++) {
    await new Promise((resolve) => setImmediate(resolve));
    let t = performance.now();
    for (let i = 0; i < perRound; i++) sink += (await handler(event, context)).statusCode;
    handlerTimes.push(((performance.now() - t) * 1000) / perRound);
    t = performance.now();
    for (let i = 0; i < perRound; i++) floor();
    floorTimes.push(((performance.now() - t) * 1000) / perRound);
  }
  const handlerUs = median(handlerTimes);
  const floorUs = median(floorTimes);
  results[String(containers)] = {
    handlerUs,
    floorUs,
    ratio: handlerUs / floorUs,
    bodyBytes: Buffer.byteLength(body),
  };
}
process.send?.({ results, sink });
