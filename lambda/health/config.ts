/**
 * The proxy health settings, from the environment (read once at cold start, like config.ts), and the health
 * cache they configure, with the HTTPS probe. Used by the Lambda's cold start and the local server alike.
 */
import { ConfigError } from '../config.ts';
import type { Telemetry } from '../telemetry.ts';
import { createProxyHealth, HEALTH_DEFAULTS, type ProxyHealth } from './health.ts';
import { createHttpsProbe } from './probe.ts';

/** Environment variables of the proxy health checks (README's configuration table). */
export const HEALTH_ENV = {
  /** Longest a review waits for proxy probes, in ms (each probe's timeout): 50-5000, default 300. */
  waitMs: 'PROXY_HEALTH_WAIT_MS',
  /** Seconds an `up` answer is trusted: default 30. */
  upTtlSeconds: 'PROXY_HEALTH_UP_TTL_SECONDS',
  /** Seconds a `down` answer is trusted: default 10. */
  downTtlSeconds: 'PROXY_HEALTH_DOWN_TTL_SECONDS',
} as const;

function wholeNumber(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} must be a whole number from ${range.min} to ${range.max}`,
    );
  }
  return value;
}

/** The health cache's settings; throws {@link ConfigError} naming the variable at fault. */
export function readHealthConfig(env: Readonly<Record<string, string | undefined>>) {
  return {
    waitMs: wholeNumber(env, HEALTH_ENV.waitMs, HEALTH_DEFAULTS.waitMs, { min: 50, max: 5_000 }),
    upTtlMs:
      wholeNumber(env, HEALTH_ENV.upTtlSeconds, HEALTH_DEFAULTS.upTtlMs / 1000, { min: 1, max: 3600 }) * 1000,
    downTtlMs:
      wholeNumber(env, HEALTH_ENV.downTtlSeconds, HEALTH_DEFAULTS.downTtlMs / 1000, { min: 1, max: 3600 }) *
      1000,
  };
}

/** The webhook's proxy health: HTTPS probes, settings from `env`, a warning line whenever a proxy changes state. */
export function createConfiguredProxyHealth(
  env: Readonly<Record<string, string | undefined>>,
  telemetry: Telemetry,
  options: { readonly ca?: string } = {},
): ProxyHealth {
  return createProxyHealth({
    ...readHealthConfig(env),
    probe: createHttpsProbe(options.ca === undefined ? {} : { ca: options.ca }),
    onChange: (status, previous) => {
      const fields = { proxy: status.host, state: status.state, previous, detail: status.detail };
      // A proxy going down is news for the operator; the first answer of a cold start is not.
      if (status.state === 'down') telemetry.logger.warn('proxy health changed', fields);
      else telemetry.logger.info('proxy health changed', fields);
    },
  });
}
