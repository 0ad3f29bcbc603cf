/**
 * SSM Parameter Store adapter: the AWS SDK v3 client, bounded so that no review waits long on SSM.
 * Thin on purpose: fetch the text, let `source.ts` cache it and `schema.ts` judge it.
 *
 * Why not `@aws-lambda-powertools/parameters` (`SSMProvider.get` with `maxAge`), the well-kept library for
 * cached parameters: its `get` fetches again once `maxAge` has passed and on any failure throws
 * `GetParameterError`, without returning the expired value (its cache is `protected`), so it cannot keep
 * serving the last good document through an outage; and it sends `GetParameterCommand` without send options,
 * so no AbortSignal can end a call at the refresh bound, which is what keeps a call from being frozen mid-flight
 * behind a response (see ../bounded-attempt.ts). We would still need our own last-good cache and validation
 * around it, so it would add a dependency to wrap one SDK call.
 */
import { GetParameterCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { SSM_CLIENT_LIMITS, SSM_TIER_MAX_BYTES } from '../constants.ts';

// Re-exported only for the CLI, which still names them here; their home is constants.ts.
export { SECRETS_MANAGER_REFERENCE } from '../constants.ts';
/** @deprecated Import `SSM_TIER_MAX_BYTES.standard` from `lambda/constants.ts`. */
export const SSM_STANDARD_TIER_MAX_BYTES: number = SSM_TIER_MAX_BYTES.standard;

/** An SSM client with short timeouts and one retry; `overrides` for tests (endpoint, credentials). */
export function createSsmClient(overrides: SSMClientConfig = {}): SSMClient {
  return new SSMClient({
    maxAttempts: SSM_CLIENT_LIMITS.maxAttempts,
    requestHandler: {
      connectionTimeout: SSM_CLIENT_LIMITS.connectionTimeoutMs,
      requestTimeout: SSM_CLIENT_LIMITS.requestTimeoutMs,
      // Without it the SDK only warns when a response is late, and keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...overrides,
  });
}

/** Thrown when a parameter exists but has no value (never expected from SSM, checked anyway). */
export class ParameterValueError extends Error {
  override readonly name = 'ParameterValueError';
}

/**
 * Reads one parameter's value. Errors are the SDK's (`ParameterNotFound`, throttling, timeouts…). When `signal`
 * aborts while the SDK waits to retry a failed call, the failure it retries becomes the abort reason's `cause`:
 * a refresh cut off at its bound then still says why (a throttled call is retried after at least 0.5 s).
 */
export async function getParameterValue(
  client: SSMClient,
  name: string,
  options: { withDecryption?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const command = new GetParameterCommand({ Name: name, WithDecryption: options.withDecryption });
  let lastCallError: unknown;
  // Inside the SDK's retry loop (retries sit at finalizeRequest, priority high), outside deserialization.
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        lastCallError = error;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'rememberCallError' },
  );
  const { signal } = options;
  const explain = () => {
    if (lastCallError !== undefined && signal?.reason instanceof Error && signal.reason.cause === undefined) {
      signal.reason.cause = lastCallError;
    }
  };
  signal?.addEventListener('abort', explain, { once: true });
  try {
    const output = await client.send(command, { abortSignal: signal });
    const value = output.Parameter?.Value;
    if (value === undefined) throw new ParameterValueError(`SSM parameter ${name} has no value`);
    return value;
  } finally {
    signal?.removeEventListener('abort', explain);
  }
}

/** A loader for {@link createMappingsSource}: the mappings parameter's text. */
export function createSsmLoader(options: {
  parameterName: string;
  client: SSMClient;
}): (signal: AbortSignal) => Promise<string> {
  return (signal) => getParameterValue(options.client, options.parameterName, { signal });
}
