/**
 * SSM Parameter Store adapter: the AWS SDK v3 client, bounded so that no review waits long on SSM.
 * Thin on purpose: fetch the text, let `source.ts` cache it and `schema.ts` judge it.
 */
import { GetParameterCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';

/** SSM exposes every Secrets Manager secret, read-only, under this path (one SDK client instead of two). */
export const SECRETS_MANAGER_REFERENCE = '/aws/reference/secretsmanager/';

/** SSM parameter value limits: Standard tier 4 KB, Advanced 8 KB. */
export const SSM_STANDARD_TIER_MAX_BYTES = 4096;
export const SSM_ADVANCED_TIER_MAX_BYTES = 8192;

/** Per-attempt limits: two attempts fit in the source's 2 s budget (which aborts the call anyway). */
export const SSM_CONNECTION_TIMEOUT_MS = 500;
export const SSM_REQUEST_TIMEOUT_MS = 900;
export const SSM_MAX_ATTEMPTS = 2;

/** An SSM client with short timeouts and one retry; `overrides` for tests (endpoint, credentials). */
export function createSsmClient(overrides: SSMClientConfig = {}): SSMClient {
  return new SSMClient({
    maxAttempts: SSM_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: SSM_CONNECTION_TIMEOUT_MS,
      requestTimeout: SSM_REQUEST_TIMEOUT_MS,
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

/** Reads one parameter's value. Errors are the SDK's (`ParameterNotFound`, throttling, timeouts…). */
export async function getParameterValue(
  client: SSMClient,
  name: string,
  options: { withDecryption?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const output = await client.send(
    new GetParameterCommand({ Name: name, WithDecryption: options.withDecryption }),
    {
      abortSignal: options.signal,
    },
  );
  const value = output.Parameter?.Value;
  if (value === undefined) throw new ParameterValueError(`SSM parameter ${name} has no value`);
  return value;
}

/** A loader for {@link createMappingsSource}: the mappings parameter's text. */
export function createSsmLoader(options: {
  parameterName: string;
  client: SSMClient;
}): (signal: AbortSignal) => Promise<string> {
  return (signal) => getParameterValue(options.client, options.parameterName, { signal });
}
