/**
 * `docker-proxy-webhook serve` (what `npm start` runs): the real webhook on this machine over HTTPS. Prints
 * `URL: …` and `CA: …` on lines of their own (for scripts), then a MutatingWebhookConfiguration for a local
 * cluster with the CA bundle filled in; runs until SIGINT or SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderWebhookConfigurations } from '../cluster/webhook-config.ts';
import { ConfigError, ENV } from '../config.ts';
import { HEALTH_ENV } from '../health/config.ts';
import {
  DEFAULT_ADVERTISE_HOST,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type LocalServer,
  LocalServerError,
  startLocalServer,
} from '../local/server.ts';
import { parseCommandArgs } from './common.ts';
import { UsageError } from './errors.ts';
import type { CliIo, Command } from './io.ts';

const USAGE = `usage: npm start -- [options]
       docker-proxy-webhook serve [options]

  --host HOST            address to listen on (default ${DEFAULT_HOST}; HOST env). 0.0.0.0 to reach it from
                         containers (kind on Linux)
  --port PORT            port (default ${DEFAULT_PORT}; PORT env; 0 = any free port)
  --mappings FILE        mappings document (default ./mappings.json, else mappings.example.json); watched
  --san NAME             extra name or IP for the generated certificate (repeatable)
  --cert FILE --key FILE your own certificate and key instead of the local CA
  --advertise-host HOST  host the cluster reaches this machine by, in the printed configuration: a name,
                         an IPv4 or IPv6 address (default ${DEFAULT_ADVERTISE_HOST})
  --write-config FILE    also write that configuration to FILE (for kubectl apply -f FILE)

Webhook settings come from the environment as in Lambda: ${ENV.pathToken}, ${ENV.validateMode}, ${ENV.failClosed},
${ENV.maxBodyBytes}, ${ENV.mappingsTtlSeconds}; proxy health checks (probed from this machine):
${HEALTH_ENV.waitMs}, ${HEALTH_ENV.upTtlSeconds}, ${HEALTH_ENV.downTtlSeconds}.
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  mappings: { type: 'string' },
  san: { type: 'string', multiple: true },
  cert: { type: 'string' },
  key: { type: 'string' },
  'advertise-host': { type: 'string', default: DEFAULT_ADVERTISE_HOST },
  'write-config': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/** Starts the server the options describe; the person's mistakes (busy port, bad configuration) exit 1. */
async function start(values: Values, cwd: string, io: CliIo): Promise<LocalServer | undefined> {
  const portText = values.port ?? io.env.PORT ?? String(DEFAULT_PORT);
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new UsageError(`serve: port ${JSON.stringify(portText)} is not a port number`);
  }
  const path = (file: string | undefined) => (file === undefined ? undefined : resolve(cwd, file));
  try {
    return await startLocalServer({
      host: values.host ?? io.env.HOST ?? DEFAULT_HOST,
      port: Number(portText),
      cwd,
      mappingsFile: path(values.mappings),
      certFile: path(values.cert),
      keyFile: path(values.key),
      sans: values.san ?? [],
      advertiseHost: values['advertise-host'],
      env: io.env,
    });
  } catch (error) {
    if (!(error instanceof LocalServerError || error instanceof ConfigError)) throw error;
    io.stderr.write(`serve: ${error.message}\n`);
    return undefined;
  }
}

/** Prints where the server is and the webhook configuration a local cluster needs (and writes it on request). */
function announce(server: LocalServer, values: Values, cwd: string, io: CliIo): void {
  const token = server.dependencies.config.pathToken;
  const prefix = token === undefined ? '' : `/${token}`;
  const out = io.stdout;
  out.write(`URL: ${server.url}${prefix}\n`);
  if (server.caPath !== undefined) out.write(`CA: ${server.caPath}\n`);
  out.write(`Mappings: ${server.mappingsFile} (watched)\n`);
  out.write(`Try: curl --cacert ${server.caPath ?? '<your CA>'} ${server.url}${prefix}/healthz\n\n`);
  const advertise = values['advertise-host'];
  const configuration = renderWebhookConfigurations(
    { mutateUrl: `${server.advertisedUrl}${prefix}/mutate`, caPem: server.caPem },
    ` For a local cluster (kind, minikube, k3d): kubectl apply -f this document.\n The apiserver reaches this machine as ${advertise}; change it with --advertise-host.`,
  );
  out.write(`${configuration}\n`);
  if (values['write-config'] !== undefined) {
    const path = resolve(cwd, values['write-config']);
    writeFileSync(path, configuration);
    out.write(`Config: ${path}\n`);
  }
}

/** Resolves once SIGINT or SIGTERM arrived and in-flight requests finished. */
function untilStopped(server: LocalServer, io: CliIo): Promise<void> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stderr.write(`${signal}: finishing in-flight requests, then stopping\n`);
      server.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `docker-proxy-webhook serve`: see {@link USAGE}. */
export const serve: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs('serve', USAGE, OPTIONS, argv);
  if (positionals.length > 0) {
    throw new UsageError(`serve: unexpected argument ${JSON.stringify(positionals[0])}`, { usage: USAGE });
  }
  // npm runs scripts in the package root; INIT_CWD is where `npm start` was typed, which relative paths mean.
  const cwd = io.env.INIT_CWD ?? io.cwd;
  // Metrics go to CloudWatch in Lambda; locally they would only be noise on stdout.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const server = await start(values, cwd, io);
  if (server === undefined) return 1;
  announce(server, values, cwd, io);
  await untilStopped(server, io);
  return 0;
};
