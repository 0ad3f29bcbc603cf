import { type Clock, install } from '@sinonjs/fake-timers';

/**
 * Simulates Lambda's execution-environment lifecycle in-process, for tests of anything that must survive it
 * (mappings refresh, path-token read, proxy health probes):
 *
 * - **Running** (init phase, or one invocation): the simulated clock (`Date`, `setTimeout`, `setInterval` and
 *   their `node:timers` forms) follows real time, so sockets, the AWS SDK and loopback servers work as usual.
 * - **Frozen** (between invocations): nothing runs. The test goes from one `invoke` to the next without yielding
 *   to the event loop (only microtasks run), so no timer fires and no socket is read — as in a frozen process.
 *   `invoke` refuses to start if the event loop turned meanwhile (the test awaited real I/O between
 *   invocations), because the simulation would no longer be a freeze.
 * - **Thaw** (`invoke(frozenMs, …)`): the clock jumps `frozenMs` at once (seconds to hours cost nothing), and
 *   every timer whose deadline passed fires immediately, once, before any pending socket data is read —
 *   @sinonjs/fake-timers' `clock.jump`, made for "the engine was put to sleep and resumed".
 *
 * Limits: loopback servers share the process, so they are frozen too (the outside world's changes — a new
 * parameter value, an outage — are made by the test, synchronously, between invocations: `ssm.parameters.set`,
 * `ssm.fail`); `performance.now()` and `process.hrtime` stay real. Install in the test (or `beforeEach`) and
 * `uninstall()` in `afterEach`; one simulation at a time.
 *
 * @example
 * const lambda = simulateLambdaFreeze();
 * const deps = await lambda.init(async () => { const d = createDependencies(env); await warmUp(d); return d; });
 * const handler = createHandler(deps);
 * const first = await lambda.invoke(0, () => handler(event, context));
 * ssm.parameters.set(NAME, changed);              // the world changes while the instance is frozen
 * const later = await lambda.invoke(61_000, () => handler(event, context));
 * expect(later.durationMs).toBeLessThan(...);      // simulated time the invocation took
 */
export interface LambdaFreezeSimulation {
  /** Simulated time (epoch ms). */
  now(): number;
  /** Runs the init phase (module scope); the instance is frozen when `work` settles. */
  init<T>(work: () => T | Promise<T>): Promise<T>;
  /**
   * Thaws after `frozenMs` of frozen time, runs one invocation with the clock running, and freezes again.
   * `durationMs` is the simulated time the invocation took.
   */
  invoke<T>(frozenMs: number, work: () => Promise<T>): Promise<{ value: T; durationMs: number }>;
  /** Restores the real timers and `Date`. */
  uninstall(): void;
}

export interface LambdaFreezeOptions {
  /** Simulated start time (epoch ms). @default the real time */
  readonly start?: number;
  /** Granularity of the running clock: it advances this much every this many real ms. @default 5 */
  readonly tickMs?: number;
}

/** Installs the simulated clock; the instance starts frozen, before its init phase. */
export function simulateLambdaFreeze(options: LambdaFreezeOptions = {}): LambdaFreezeSimulation {
  // Captured before installing: the event-loop sentinel must not be a simulated timer.
  const realSetImmediate = globalThis.setImmediate;
  const tickMs = options.tickMs ?? 5;
  const clock: Clock = install({
    now: options.start ?? Date.now(),
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    // Timers created before the install (a previous test's SDK client) may be cleared after it.
    shouldClearNativeTimers: true,
  });
  let running = false;
  let loopTurned = false;

  const thaw = (frozenMs: number) => {
    if (running)
      throw new Error('lambda-freeze: one invocation at a time (a Lambda instance is single-threaded)');
    if (loopTurned) {
      throw new Error(
        'lambda-freeze: the event loop turned while the instance was frozen (the test awaited real I/O or a ' +
          'timer between invocations); change the world synchronously between invocations',
      );
    }
    // Overdue timers fire now, once, synchronously: before the poll phase could read any socket.
    clock.jump(frozenMs);
    clock.setTickMode({ mode: 'interval', delta: tickMs });
    running = true;
  };
  const freeze = () => {
    clock.setTickMode({ mode: 'manual' });
    running = false;
    loopTurned = false;
    realSetImmediate(() => {
      loopTurned = true;
    });
  };
  const run = async <T>(frozenMs: number, work: () => T | Promise<T>) => {
    thaw(frozenMs);
    const started = clock.now;
    try {
      const value = await work();
      return { value, durationMs: clock.now - started };
    } finally {
      freeze();
    }
  };

  // Before init nothing has run: the first thaw must not see a stale sentinel.
  return {
    now: () => clock.now,
    init: async (work) => (await run(0, work)).value,
    invoke: (frozenMs, work) => run(frozenMs, work),
    uninstall: () => clock.uninstall(),
  };
}
