/** The proxy health part of `npm run bench` (health.worker.ts measures): its types and report rows. */

/** What health.worker.ts measures. */
export interface HealthBench {
  /** 10-container pod, per review: checks on (proxy up, cached), checks off, and the floor, in µs. */
  readonly warm: {
    readonly onUs: number;
    readonly offUs: number;
    readonly floorUs: number;
    readonly onRatio: number;
    readonly offRatio: number;
    readonly sink: number;
  };
  /** 1-container pod whose proxy accepts TCP and never answers; each review on a fresh instance, in ms. */
  readonly blackHole: {
    readonly reviewsMs: readonly number[];
    readonly medianMs: number;
    readonly maxMs: number;
    readonly boundMs: number;
    /** Every review left the image as written (fell back to upstream). */
    readonly fellBack: boolean;
  };
}

/**
 * Timer lateness allowed past the probe bound on a shared, loaded machine: the review itself costs well under
 * a millisecond, so anything past this is waiting the bound does not allow.
 */
export const BOUND_ALLOWANCE_MS = 50;

/** Whether every black-holed review returned within the bound (plus {@link BOUND_ALLOWANCE_MS}) and fell back. */
export const blackHolePassed = (bench: HealthBench): boolean =>
  bench.blackHole.fellBack && bench.blackHole.maxMs <= bench.blackHole.boundMs + BOUND_ALLOWANCE_MS;

/** The report's rows for `bench`, in run.ts's table format. */
export function healthRows(bench: HealthBench): string[] {
  const { warm, blackHole } = bench;
  const f = (n: number, digits = 2) => n.toFixed(digits);
  return [
    `| warm, proxy health checks on (proxy up, cached): 10-container pod | ${f(warm.onUs, 1)} µs | ${f(warm.floorUs, 1)} µs | ${f(warm.onRatio)}× | (checks on − off: ${f(warm.onRatio - warm.offRatio)}× of the floor, ${f(warm.onUs - warm.offUs, 1)} µs) |`,
    `| warm, proxy health checks off: 10-container pod | ${f(warm.offUs, 1)} µs | ${f(warm.floorUs, 1)} µs | ${f(warm.offRatio)}× | |`,
    `| review while the proxy is black-holed (${blackHole.reviewsMs.length} fresh instances) | max ${f(blackHole.maxMs, 0)} ms (median ${f(blackHole.medianMs, 0)} ms)${blackHole.fellBack ? ', fell back' : ', NOT fallen back'} | bound ${blackHole.boundMs} ms | ${f(blackHole.maxMs / blackHole.boundMs)}× | ≤ bound + ${BOUND_ALLOWANCE_MS} ms — ${blackHolePassed(bench) ? 'pass' : 'FAIL'} |`,
  ];
}
