/**
 * The webhook's configuration: environment variables, read once at cold start. Pure: it imports only
 * constants.ts (the defaults and modes), so `infra/` imports the variable names from here and the stack and the
 * function cannot disagree.
 */
import { DEFAULTS, VALIDATE_MODES, type ValidateMode } from './constants.ts';

/** Environment variable names the function reads. */
export const ENV = {
  /** SSM parameter name holding the mappings document (in AWS). */
  mappingsParameter: 'MAPPINGS_PARAMETER',
  /** Path of a mappings document on disk (local runs, tests). Used when no parameter is set. */
  mappingsFile: 'MAPPINGS_FILE',
  /** Seconds a loaded mappings document is served before it is refreshed. */
  mappingsTtlSeconds: 'MAPPINGS_TTL_SECONDS',
  /** Shared-secret path prefix, given literally (local runs): routes become `/<token>/mutate`. */
  pathToken: 'PATH_TOKEN',
  /**
   * Name or ARN of a Secrets Manager secret holding the path token, read through SSM's
   * `/aws/reference/secretsmanager/` path (one SDK client). Kept for stacks that still route the token as a path
   * parameter; this repository's stack checks the token in API Gateway instead (`PATH_TOKEN_CHECKED_UPSTREAM`).
   */
  pathTokenSecret: 'PATH_TOKEN_SECRET',
  /**
   * `true` (in AWS): API Gateway serves only `/<token>/…`, the token being a literal path part resolved from
   * Secrets Manager at deploy time, so a wrong token never reaches the function. The function routes on the
   * segment after the token and never reads the secret.
   */
  pathTokenCheckedUpstream: 'PATH_TOKEN_CHECKED_UPSTREAM',
  /** `/validate` behaviour for images that do not go through a proxy: `warn` (default) or `deny`. */
  validateMode: 'VALIDATE_MODE',
  /** `true`: an internal error denies the review instead of allowing it unchanged (fail-closed). */
  failClosed: 'FAIL_CLOSED',
  /** Largest request body accepted, in bytes; larger bodies get HTTP 413. */
  maxBodyBytes: 'MAX_BODY_BYTES',
  /**
   * The mappings document the stack generates for its ECR pull-through cache rules (JSON), combined with the
   * loaded document at every load (`mappings/combine.ts`). Set by the stack only when `ecrCache` is on.
   */
  generatedMappings: 'GENERATED_MAPPINGS',
} as const;

/** The parsed configuration. */
export interface WebhookConfig {
  readonly mappingsParameter: string | undefined;
  readonly mappingsFile: string | undefined;
  readonly mappingsTtlSeconds: number;
  readonly pathToken: string | undefined;
  readonly pathTokenSecret: string | undefined;
  readonly pathTokenCheckedUpstream: boolean;
  readonly validateMode: ValidateMode;
  readonly failClosed: boolean;
  readonly maxBodyBytes: number;
  /** The generated mappings document (JSON text), or `undefined` when the stack generates none. */
  readonly generatedMappings: string | undefined;
}

/** Thrown at cold start when an environment variable has a value the function cannot use. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function positiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a positive whole number`);
  }
  return value;
}

function oneOf<T extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} must be one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

/** Reads and validates the configuration; throws {@link ConfigError} naming the variable at fault. */
export function readConfig(env: Readonly<Record<string, string | undefined>>): WebhookConfig {
  const pathToken = nonEmpty(env[ENV.pathToken]);
  if (pathToken !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(pathToken)) {
    // Never echo the token itself.
    throw new ConfigError(`${ENV.pathToken} must be 16-128 characters of A-Z a-z 0-9 _ -`);
  }
  return {
    mappingsParameter: nonEmpty(env[ENV.mappingsParameter]),
    mappingsFile: nonEmpty(env[ENV.mappingsFile]),
    mappingsTtlSeconds: positiveInteger(env, ENV.mappingsTtlSeconds, DEFAULTS.mappingsTtlSeconds),
    pathToken,
    pathTokenSecret: nonEmpty(env[ENV.pathTokenSecret]),
    pathTokenCheckedUpstream: oneOf(env, ENV.pathTokenCheckedUpstream, ['true', 'false'], 'false') === 'true',
    validateMode: oneOf(env, ENV.validateMode, VALIDATE_MODES, DEFAULTS.validateMode),
    failClosed: oneOf(env, ENV.failClosed, ['true', 'false'], String(DEFAULTS.failClosed)) === 'true',
    maxBodyBytes: positiveInteger(env, ENV.maxBodyBytes, DEFAULTS.maxBodyBytes),
    generatedMappings: nonEmpty(env[ENV.generatedMappings]),
  };
}
