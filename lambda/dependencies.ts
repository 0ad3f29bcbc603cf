/**
 * What a cold start builds, from the environment: configuration read and validated, the mappings load started
 * before the first request needs it. The path token is literal (local runs) or checked by API Gateway before the
 * function runs (AWS): no secret is read at cold start. Used by the Lambda entry (handler.ts) and the local
 * server.
 */
import { readFile } from 'node:fs/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, DEFAULTS, readConfig, type WebhookConfig } from './config.ts';
import { type Mappings, parseMappingsJson } from './mappings/schema.ts';
import { createMappingsSource, type MappingsSource } from './mappings/source.ts';
import { createSsmClient, createSsmLoader } from './mappings/ssm.ts';
import { count, createTelemetry, MetricName, type Telemetry } from './telemetry.ts';
import type { WebhookDependencies } from './webhook.ts';

/** The mappings source the configuration asks for: the SSM parameter in AWS, a file locally. */
export function createConfiguredMappingsSource(
  config: WebhookConfig,
  telemetry: Telemetry,
  ssmClient: () => SSMClient = createSsmClient,
): MappingsSource<Mappings> {
  let load: (signal: AbortSignal) => Promise<string>;
  let describe: string;
  if (config.mappingsParameter !== undefined) {
    load = createSsmLoader({ parameterName: config.mappingsParameter, client: ssmClient() });
    describe = `SSM parameter ${config.mappingsParameter}`;
  } else if (config.mappingsFile !== undefined) {
    const file = config.mappingsFile;
    load = (signal) => readFile(file, { encoding: 'utf8', signal });
    describe = `file ${file}`;
  } else {
    throw new ConfigError('set MAPPINGS_PARAMETER (an SSM parameter name) or MAPPINGS_FILE (a path)');
  }
  return createMappingsSource<Mappings>({
    load,
    parse: (text) => {
      const result = parseMappingsJson(text);
      return result.ok ? { ok: true, value: result.mappings } : { ok: false, error: result.error };
    },
    ttlMs: config.mappingsTtlSeconds * 1000,
    loadTimeoutMs: DEFAULTS.mappingsLoadTimeoutMs,
    onLoaded: ({ value, previous, durationMs }) =>
      telemetry.logger.info('mappings loaded', {
        source: describe,
        revision: value.revision,
        previousRevision: previous?.revision,
        registries: value.registryCount,
        mode: value.mode,
        durationMs,
      }),
    onLoadFailure: ({ error, kind, servingStale, durationMs }) => {
      count(telemetry, MetricName.MappingsLoadFailures);
      telemetry.logger.error('mappings load failed', {
        source: describe,
        kind,
        servingStale,
        durationMs,
        errorName: error.name,
        error: error.message,
      });
    },
  });
}

/** Builds everything a cold start needs from the environment. */
export function createDependencies(env: Readonly<Record<string, string | undefined>>): WebhookDependencies {
  const config = readConfig(env);
  const telemetry = createTelemetry();
  const mappings = createConfiguredMappingsSource(config, telemetry);
  mappings.start();
  const token = config.pathToken;
  return { config, mappings, telemetry, pathToken: async () => token };
}
