/**
 * One bounded attempt at slow work (an SSM read, a probe), run INSIDE the invocation that needs it.
 *
 * Lambda freezes the process as soon as a response is returned: a promise, socket or timer left running behind
 * the response makes no progress until the next invocation, and on thaw its timers (ours, and the AWS SDK's
 * connection and request timeouts) fire at once, often before the answer that arrived meanwhile is read. Work
 * left behind a response is therefore never done in time and later reports a failure that did not happen. So
 * every attempt is awaited by the invocation that starts it and ends within it: after `boundMs` it is aborted
 * (the AWS SDK destroys the request and clears its own timers) and reported as a timeout. Nothing spans an
 * invocation boundary, so time spent frozen can never count as load time, and an attempt's failure is always
 * something that happened while the process was running.
 */
import { err, ok, type Result, toError } from './result.ts';

/** The attempt did not finish within its bound; it was aborted (this error is the abort reason). */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
}

/**
 * Runs `work` for at most `boundMs` of running time. Never rejects: success or failure is the Result, and a
 * failure after the bound is an {@link AttemptTimeoutError}. `work` must honour its signal (stop and reject when
 * it is aborted), so that nothing of it is left running when the attempt's Result is returned. The signal's
 * `reason` is that error: `work` may set its `cause` in an abort listener to say what it was waiting on.
 */
export async function attemptWithin<T>(
  boundMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<Result<T>> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<Result<T>>((resolve) => {
    timer = setTimeout(() => {
      const error = new AttemptTimeoutError(`no answer within ${boundMs} ms`);
      controller.abort(error);
      resolve(err(error));
    }, boundMs);
  });
  // `work` may throw synchronously; either way its outcome becomes a Result (a late rejection is not unhandled).
  const done = Promise.resolve()
    .then(() => work(controller.signal))
    .then(
      (value) => ok(value),
      (error: unknown) => err(toError(error)),
    );
  try {
    return await Promise.race([done, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
