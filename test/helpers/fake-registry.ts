import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalCertificates } from '../../lambda/local/certs.ts';

/**
 * Fake registries on loopback, over real TCP and TLS, for the proxy health checks:
 *
 * - {@link startFakeRegistry}: an HTTPS server answering `GET /v2/` the way the test says — `200`, `401` (with
 *   the `WWW-Authenticate` challenge Harbor sends), `503`, or `hang` (TLS handshake done, no HTTP answer).
 *   Answers are taken from a queue, one per request, then `mode` (for flapping).
 * - {@link startBlackHole}: accepts TCP connections and never says a byte (no TLS handshake): a proxy behind a
 *   firewall that drops, as seen from the client.
 * - {@link refusedHost}: a loopback port nobody listens on (connection refused).
 *
 * The certificates come from the local server's CA code: `trustedCa` signs the registry's certificate;
 * `otherCa` signs nothing the client trusts, for the bad-certificate case.
 */
export type RegistryAnswer = 200 | 401 | 503 | 'hang';

export interface FakeRegistry {
  /** `127.0.0.1:<port>`, as a proxy prefix names the host. */
  readonly host: string;
  /** The answer when the queue is empty. */
  mode: RegistryAnswer;
  /** Answers for the next requests, in order. */
  readonly queue: RegistryAnswer[];
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface TestCertificates {
  /** The CA the probe trusts (PEM). */
  readonly trustedCa: string;
  /** Certificate and key signed by {@link trustedCa}, for localhost and 127.0.0.1. */
  readonly good: { readonly cert: string; readonly key: string };
  /** Certificate and key from another CA: a TLS client trusting only `trustedCa` rejects them. */
  readonly bad: { readonly cert: string; readonly key: string };
  cleanup(): void;
}

/** Generates the two CAs (about a second of RSA work: call once per test file). */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'fake-registry-'));
  const good = ensureLocalCertificates(join(dir, 'good'));
  const bad = ensureLocalCertificates(join(dir, 'bad'));
  return {
    trustedCa: good.ca,
    good: { cert: good.cert, key: good.key },
    bad: { cert: bad.cert, key: bad.key },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function trackSockets(server: Server | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: Server | TcpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closer = (server: Server | TcpServer, sockets: Set<Socket>) => () =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

/** Starts an HTTPS fake registry with the given certificate. */
export async function startFakeRegistry(
  tls: { readonly cert: string; readonly key: string },
  mode: RegistryAnswer = 200,
): Promise<FakeRegistry> {
  const queue: RegistryAnswer[] = [];
  const requests: string[] = [];
  const registry = { mode } as { mode: RegistryAnswer };
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    requests.push(request.url ?? '');
    const answer = queue.shift() ?? registry.mode;
    if (answer === 'hang') return; // the socket is destroyed by close()
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (answer === 401) headers['www-authenticate'] = 'Bearer realm="https://127.0.0.1/service/token"';
    headers['docker-distribution-api-version'] = 'registry/2.0';
    response.writeHead(answer, headers);
    response.end(answer === 200 ? '{}' : '{"errors":[]}');
  });
  const sockets = trackSockets(server);
  const host = await listen(server);
  return Object.assign(registry, { host, queue, requests, close: closer(server, sockets) });
}

/** Starts a TCP server that accepts and stays silent; `openConnections()` counts the clients still connected. */
export async function startBlackHole(): Promise<{
  host: string;
  openConnections(): number;
  close(): Promise<void>;
}> {
  // Read and discard (the TLS ClientHello): a socket never read never notices that the client hung up.
  const server = createTcpServer((socket) => socket.resume());
  const sockets = trackSockets(server);
  const host = await listen(server);
  return { host, openConnections: () => sockets.size, close: closer(server, sockets) };
}

/** A loopback `host:port` where nothing listens (the port was just released). */
export async function refusedHost(): Promise<string> {
  const server = createTcpServer();
  const host = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return host;
}
