/**
 * The local webhook: the Lambda handler, unchanged, behind an HTTPS server. Each request becomes the API Gateway
 * event production would receive (adapter.ts); mappings come from a watched file instead of SSM.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { basename, dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../config.ts';
import { createHandler, type WebhookHandler } from '../create-handler.ts';
import { createConfiguredMappingsSource } from '../dependencies.ts';
import { createConfiguredProxyHealth } from '../health/config.ts';
import { defaultMappingsPath } from '../mappings/file.ts';
import { toError } from '../result.ts';
import { createTelemetry, type Telemetry } from '../telemetry.ts';
import type { WebhookDependencies } from '../webhook.ts';
import { localContext, toApiGatewayEvent, writeResult } from './adapter.ts';
import { certificateName, ensureLocalCertificates } from './certs.ts';

/** Where generated certificates live: git-ignored `.local/tls` at the repository root. */
export const DEFAULT_TLS_DIR = fileURLToPath(new URL('../../.local/tls/', import.meta.url));
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8443;
/** How a cluster in containers (kind, Docker Desktop) reaches this machine. */
export const DEFAULT_ADVERTISE_HOST = 'host.docker.internal';
/** What `context.getRemainingTimeInMillis()` starts from: the stack's default Lambda timeout. */
const REQUEST_TIMEOUT_MS = 5_000;
/**
 * The kube-apiserver's webhook client keeps an idle connection for 90 s: client-go builds its transports with
 * `SetTransportDefaults` (k8s.io/apimachinery/pkg/util/net/http.go), which takes `IdleConnTimeout` from Go's
 * `http.DefaultTransport`, 90 s (https://pkg.go.dev/net/http#DefaultTransport). The client must be the side that
 * closes an idle connection: a server closing first can close it under a request the client has just sent on it.
 */
export const APISERVER_IDLE_CONNECTION_MS = 90_000;
/** Idle keep-alive connections are kept longer than the apiserver keeps them (Node's default is 5 s). */
export const KEEP_ALIVE_TIMEOUT_MS = APISERVER_IDLE_CONNECTION_MS + 30_000;

export interface LocalServerOptions {
  readonly host?: string;
  /** 0 picks a free port. @default 8443 */
  readonly port?: number;
  /** Mappings file. @default ./mappings.json in `cwd`, else mappings.example.json */
  readonly mappingsFile?: string;
  readonly cwd?: string;
  /** Bring your own certificate and key (PEM paths); otherwise a local CA signs one under `tlsDir`. */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly tlsDir?: string;
  /** Extra names for the generated certificate. */
  readonly sans?: readonly string[];
  /** The host the cluster reaches this server by: a name, an IPv4 or IPv6 address. @default host.docker.internal */
  readonly advertiseHost?: string;
  /** How long an idle keep-alive connection is kept open. @default {@link KEEP_ALIVE_TIMEOUT_MS} */
  readonly keepAliveTimeoutMs?: number;
  /** The webhook's environment (PATH_TOKEN, VALIDATE_MODE, FAIL_CLOSED, MAX_BODY_BYTES, MAPPINGS_TTL_SECONDS). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Telemetry override (tests capture logs). */
  readonly telemetry?: Telemetry;
}

export interface LocalServer {
  /** `https://host:port` (no trailing slash). */
  readonly url: string;
  /** `https://<advertised host>:port`, IPv6 in brackets: the base of the cluster's webhook URLs. */
  readonly advertisedUrl: string;
  readonly port: number;
  /** The CA to trust (generated, or undefined with --cert/--key). */
  readonly caPath: string | undefined;
  readonly caPem: string | undefined;
  readonly mappingsFile: string;
  readonly handler: WebhookHandler;
  readonly dependencies: WebhookDependencies;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Thrown for problems the person starting the server must fix (port in use, unreadable certificate). */
export class LocalServerError extends Error {
  override readonly name = 'LocalServerError';
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new LocalServerError(`cannot read the ${what} ${path}: ${toError(error).message}`);
  }
}

/**
 * The advertised host as a certificate name (an IPv6 address bare, for an IP SAN) and as the host of a URL (in
 * brackets). Accepts `fd00::1` and `[fd00::1]` alike; anything that is not a bare host is refused.
 */
export function advertisedHost(host: string): { certificateName: string; url: (port: number) => string } {
  const name = certificateName(host);
  const authority = isIP(name) === 6 ? `[${name}]` : name;
  // The URL parser is the judge of a host: what it would rewrite (a port, a path, a scheme) is not a bare host.
  const parsed = URL.canParse(`https://${authority}`) ? new URL(`https://${authority}`) : undefined;
  if (name === '' || parsed?.port !== '' || parsed.href !== `https://${authority.toLowerCase()}/`) {
    throw new LocalServerError(
      `--advertise-host ${JSON.stringify(host)} is not a host name or an IP address (no scheme, port or path)`,
    );
  }
  const { hostname } = parsed;
  return { certificateName: name, url: (port) => `https://${hostname}:${port}` };
}

async function tlsMaterial(options: LocalServerOptions, advertisedName: string) {
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) {
    throw new LocalServerError(
      'give both --cert and --key, or neither (a local CA then signs a certificate)',
    );
  }
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    const cert = await readPem(options.certFile, 'certificate');
    const key = await readPem(options.keyFile, 'key');
    return { cert, key, caPath: undefined, caPem: undefined };
  }
  const names = [...(options.sans ?? []), advertisedName];
  const generated = ensureLocalCertificates(options.tlsDir ?? DEFAULT_TLS_DIR, names);
  return { cert: generated.cert, key: generated.key, caPath: generated.caPath, caPem: generated.ca };
}

/** Reads a request body, up to `limit` bytes; `undefined` when it is larger. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Listens; a busy or forbidden port is a {@link LocalServerError} saying what to do. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new LocalServerError(
            `port ${port} on ${host} is already in use; pick another with --port N (or PORT=N)`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(new LocalServerError(`not allowed to listen on ${host}:${port}; use a port above 1023`));
      } else {
        reject(new LocalServerError(`cannot listen on ${host}:${port}: ${error.message}`));
      }
    });
    server.listen(port, host, () => resolve());
  });
}

/** Answers one HTTP request through the handler, as API Gateway would; a body over `maxBytes` is a 413. */
async function answer(
  handler: WebhookHandler,
  maxBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const body = await readBody(request, maxBytes);
  if (body === undefined) {
    // Same message as the handler's. The rest of the body is never read (leaving the loop above destroyed the
    // request), so the connection is closed rather than reused.
    const declared = request.headers['content-length'];
    const size = declared !== undefined && /^\d+$/.test(declared) ? declared : `more than ${maxBytes}`;
    writeResult(response, {
      statusCode: 413,
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ message: `request body is ${size} bytes; the limit is ${maxBytes} bytes` }),
    });
    return;
  }
  const event = toApiGatewayEvent(request, body);
  const result = await handler(event, localContext(event.requestContext.requestId, REQUEST_TIMEOUT_MS));
  writeResult(response, result);
}

/**
 * A changed file takes effect at once (`refresh`, debounced); an invalid one is reported (and counted) and the
 * last good keeps serving. Returns what stops watching.
 */
function watchMappingsFile(file: string, refresh: () => void): () => void {
  let watcher: FSWatcher | undefined;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  try {
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(debounce);
      debounce = setTimeout(refresh, 50);
    });
  } catch {
    // Watching is a convenience; the TTL refresh still applies.
  }
  return () => {
    watcher?.close();
    clearTimeout(debounce);
  };
}

/** The certificate and key, checked to work together (a clear error rather than a TLS failure per request). */
async function usableTlsMaterial(
  options: LocalServerOptions,
  name: string,
): Promise<Awaited<ReturnType<typeof tlsMaterial>>> {
  const tls = await tlsMaterial(options, name);
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (error) {
    throw new LocalServerError(`the certificate and key cannot be used together: ${toError(error).message}`);
  }
  return tls;
}

/** The URL this machine reaches the server at (a wildcard address shown as `localhost`). */
function listeningUrl(address: AddressInfo): string {
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `https://${shownHost === '0.0.0.0' || shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`;
}

/** Starts the server; resolves once it listens. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const advertised = advertisedHost(options.advertiseHost ?? DEFAULT_ADVERTISE_HOST);
  const cwd = options.cwd ?? process.cwd();
  const mappingsFile = options.mappingsFile ?? defaultMappingsPath(cwd);
  const config = readConfig({ ...options.env, MAPPINGS_FILE: mappingsFile, MAPPINGS_PARAMETER: undefined });
  const telemetry = options.telemetry ?? createTelemetry();
  const mappings = createConfiguredMappingsSource(config, telemetry);
  // Load before listening, so the first request finds the mappings (or their error reported).
  await mappings.current();
  const token = config.pathToken;
  // The same health checks as in Lambda, over this machine's network (NODE_EXTRA_CA_CERTS for a private CA).
  const proxies = createConfiguredProxyHealth(options.env ?? {}, telemetry);
  const dependencies: WebhookDependencies = {
    config,
    mappings,
    telemetry,
    pathToken: async () => token,
    proxies,
  };
  const handler = createHandler(dependencies);
  const tls = await usableTlsMaterial(options, advertised.certificateName);

  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    const task = answer(handler, config.maxBodyBytes, request, response).catch((error: unknown) => {
      telemetry.logger.error('local server failed to answer', { error: toError(error) });
      if (!response.headersSent)
        writeResult(response, { statusCode: 500, body: '{"message":"internal error"}' });
      else response.destroy();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });

  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? KEEP_ALIVE_TIMEOUT_MS;
  await listen(server, options.host ?? DEFAULT_HOST, options.port ?? DEFAULT_PORT);

  const stopWatching = watchMappingsFile(mappingsFile, () => void mappings.refresh());

  const address = server.address() as AddressInfo;
  return {
    url: listeningUrl(address),
    advertisedUrl: advertised.url(address.port),
    port: address.port,
    caPath: tls.caPath,
    caPem: tls.caPem,
    mappingsFile,
    handler,
    dependencies,
    close: async () => {
      stopWatching();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      server.closeIdleConnections();
      await closed;
    },
  };
}
