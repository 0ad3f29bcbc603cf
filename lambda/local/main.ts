/**
 * `npm start`: the real webhook on this machine over HTTPS. Prints `URL: …` and `CA: …` on lines of their own
 * (for scripts), then a MutatingWebhookConfiguration for a local cluster with the CA bundle filled in.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderWebhookConfigurations } from '../cluster/webhook-config.ts';
import { ENV } from '../config.ts';
import {
  DEFAULT_ADVERTISE_HOST,
  DEFAULT_HOST,
  DEFAULT_PORT,
  LocalServerError,
  startLocalServer,
} from './server.ts';

const USAGE = `usage: npm start -- [options]

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
${ENV.maxBodyBytes}, ${ENV.mappingsTtlSeconds}.
`;

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  const parse = (args: string[]) =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        mappings: { type: 'string' },
        san: { type: 'string', multiple: true },
        cert: { type: 'string' },
        key: { type: 'string' },
        'advertise-host': { type: 'string', default: DEFAULT_ADVERTISE_HOST },
        'write-config': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    values = parse(process.argv.slice(2)).values;
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    process.stderr.write(`npm start: port ${JSON.stringify(portText)} is not a port number\n`);
    return 2;
  }
  // Metrics go to CloudWatch in Lambda; locally they would only be noise on stdout.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  const cwd = process.env.INIT_CWD ?? process.cwd();
  const advertise = values['advertise-host'] as string;
  const server = await startLocalServer({
    host: values.host ?? process.env.HOST ?? DEFAULT_HOST,
    port: Number(portText),
    cwd,
    mappingsFile: values.mappings === undefined ? undefined : resolve(cwd, values.mappings),
    certFile: values.cert === undefined ? undefined : resolve(cwd, values.cert),
    keyFile: values.key === undefined ? undefined : resolve(cwd, values.key),
    sans: values.san ?? [],
    advertiseHost: advertise,
    env: process.env,
  });
  const token = server.dependencies.config.pathToken;
  const prefix = token === undefined ? '' : `/${token}`;
  const out = process.stdout;
  out.write(`URL: ${server.url}${prefix}\n`);
  if (server.caPath !== undefined) out.write(`CA: ${server.caPath}\n`);
  out.write(`Mappings: ${server.mappingsFile} (watched)\n`);
  out.write(`Try: curl --cacert ${server.caPath ?? '<your CA>'} ${server.url}${prefix}/healthz\n\n`);
  const clusterUrl = `${server.advertisedUrl}${prefix}`;
  const configuration = renderWebhookConfigurations(
    { mutateUrl: `${clusterUrl}/mutate`, caPem: server.caPem },
    ` For a local cluster (kind, minikube, k3d): kubectl apply -f this document.\n The apiserver reaches this machine as ${advertise}; change it with --advertise-host.`,
  );
  out.write(`${configuration}\n`);
  if (values['write-config'] !== undefined) {
    const path = resolve(cwd, values['write-config']);
    writeFileSync(path, configuration);
    out.write(`Config: ${path}\n`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests, then stopping\n`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof LocalServerError || (error as Error).name === 'ConfigError') {
      process.stderr.write(`npm start: ${(error as Error).message}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  },
);
