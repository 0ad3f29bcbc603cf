/**
 * What a cold start builds, from the environment: configuration read and validated, the mappings load started
 * before the first request needs it, and the path token (when configured through Secrets Manager) fetched once
 * and kept. Used by the Lambda entry (handler.ts) and the local server.
 */
import { readFile } from 'node:fs/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, DEFAULTS, ENV, readConfig, type WebhookConfig } from './config.ts';
import { createMappingsParser } from './mappings/combine.ts';
import type { Mappings } from './mappings/parse.ts';
import { createMappingsSource, type MappingsSource } from './mappings/source.ts';
import {
  createSsmClient,
  createSsmLoader,
  getParameterValue,
  SECRETS_MANAGER_REFERENCE,
} from './mappings/ssm.ts';
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
  // With the stack's ECR cache, every load is the user's document combined with the generated one.
  const parse = createMappingsParser(config.generatedMappings, describe);
  if (!parse.ok) throw new ConfigError(`${ENV.generatedMappings} is invalid:\n${parse.error.message}`);
  return createMappingsSource<Mappings>({
    load,
    parse: parse.value,
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

/** Resolves the path token: literal (local) or read once from Secrets Manager through SSM (AWS). */
function createPathToken(
  config: WebhookConfig,
  ssmClient: () => SSMClient,
): () => Promise<string | undefined> {
  if (config.pathToken !== undefined || config.pathTokenSecret === undefined) {
    const token = config.pathToken;
    return async () => token;
  }
  const secret = config.pathTokenSecret;
  const client = ssmClient();
  let pending: Promise<string> | undefined;
  return () => {
    const read =
      pending ??
      getParameterValue(client, SECRETS_MANAGER_REFERENCE + secret, { withDecryption: true }).catch(
        (error: unknown) => {
          // Not cached: the next request tries again.
          pending = undefined;
          throw error;
        },
      );
    pending = read;
    return read;
  };
}

/** Builds everything a cold start needs from the environment. */
export function createDependencies(env: Readonly<Record<string, string | undefined>>): WebhookDependencies {
  const config = readConfig(env);
  const telemetry = createTelemetry();
  // One SSM client (credentials and region resolved once) for the mappings and the token.
  let client: SSMClient | undefined;
  const ssmClient = () => {
    client ??= createSsmClient();
    return client;
  };
  const mappings = createConfiguredMappingsSource(config, telemetry, ssmClient);
  mappings.start();
  const pathToken = createPathToken(config, ssmClient);
  // Start the secret read now as well, so the first review does not wait for it.
  pathToken().catch(() => undefined);
  return { config, mappings, telemetry, pathToken };
}
