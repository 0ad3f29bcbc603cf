/**
 * What a cold start builds, from the environment: configuration read and validated, the mappings source, and
 * the path token (when configured through Secrets Manager) read once and kept. Used by the Lambda entry
 * (handler.ts) and the local server.
 */
import { readFile } from 'node:fs/promises';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { attemptWithin } from './bounded-attempt.ts';
import { ConfigError, ENV, readConfig, type WebhookConfig } from './config.ts';
import { DEFAULTS, LOAD_BOUNDS, SECRETS_MANAGER_REFERENCE } from './constants.ts';
import { createConfiguredProxyHealth } from './health/config.ts';
import { createMappingsParser } from './mappings/combine.ts';
import type { Mappings } from './mappings/parse.ts';
import { createMappingsSource, type MappingsSource } from './mappings/source.ts';
import { createSsmClient, createSsmLoader, getParameterValue } from './mappings/ssm.ts';
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
        // What a timed-out attempt was waiting on (the SDK's last failed call), when it says.
        cause: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined,
      });
    },
  });
}

/**
 * Resolves the path token: literal (local), or read from Secrets Manager through SSM (AWS) and kept once read.
 * Each read is one bounded attempt inside the request that needs it (never started behind a response, so never
 * frozen mid-flight); a failed read is not kept, and the next request tries again.
 */
function createPathToken(
  config: WebhookConfig,
  ssmClient: () => SSMClient,
): () => Promise<string | undefined> {
  if (config.pathToken !== undefined || config.pathTokenSecret === undefined) {
    const token = config.pathToken;
    return async () => token;
  }
  const name = SECRETS_MANAGER_REFERENCE + config.pathTokenSecret;
  const client = ssmClient();
  let token: string | undefined;
  let pending: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    const result = await attemptWithin(LOAD_BOUNDS.pathTokenReadWaitMs, (signal) =>
      getParameterValue(client, name, { withDecryption: true, signal }),
    );
    if (!result.ok) throw result.error;
    token = result.value;
    return token;
  };
  return async () => {
    if (token !== undefined) return token;
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * Builds everything a cold start needs from the environment. Starts nothing: every load runs inside a request
 * (or {@link warmUp}) that awaits it, so nothing is left running when Lambda freezes the process.
 */
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
  return {
    config,
    mappings,
    telemetry,
    pathToken: createPathToken(config, ssmClient),
    proxies: createConfiguredProxyHealth(env, telemetry),
  };
}

/**
 * Loads the mappings and reads the path token in the init phase (handler.ts awaits it at module scope), so the
 * first review finds both ready. Bounded like any request's wait, and awaited: when init ends nothing is in
 * flight, however long the instance then stays frozen before its first invocation (provisioned concurrency,
 * pre-initialised instances). A failure is reported like any load failure; the first request tries again.
 */
export async function warmUp(dependencies: WebhookDependencies): Promise<void> {
  await Promise.all([
    dependencies.mappings.current(),
    // Not fatal here: the request that needs the token reads it again and answers 503 if that fails too.
    dependencies.pathToken().catch(() => undefined),
  ]);
}
