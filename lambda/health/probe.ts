/**
 * The HTTPS adapter of the proxy health checks: one `GET https://<proxy>/v2/` — the Docker Registry HTTP API
 * base every registry answers (https://distribution.github.io/distribution/spec/api/#api-version-check) — and
 * what its answer means for pulls:
 *
 * - `200` (anonymous access) or `401` (the registry asks for credentials, as Harbor and Artifactory do): up.
 * - a `5xx` status, a refused or reset connection, a DNS failure, a TLS failure (untrusted, expired or
 *   mismatched certificate): down — a kubelet pulling from there would fail the same way.
 * - any other status (a redirect, a `403` from a firewall): up, with the status noted. Only a proxy that is
 *   clearly failing makes pods fall back; a surprising answer is still an answer.
 *
 * Timeouts are not decided here: the caller (health.ts) aborts the request through the signal when its wait
 * bound is over. No keep-alive: a pooled socket frozen with the Lambda environment may be dead on thaw, and a
 * probe that fails on a dead pooled socket would mark a healthy proxy down. A probe every 30 s per host does
 * not need connection reuse.
 */
import { request } from 'node:https';
import type { ProbeOutcome } from './health.ts';

/** Options of {@link createHttpsProbe}. */
export interface HttpsProbeOptions {
  /**
   * Certificate authorities to trust instead of Node's bundled roots (tests, `npm start` with a local
   * registry). In Lambda, add a private CA with `NODE_EXTRA_CA_CERTS` instead.
   * @default Node's trust store
   */
  readonly ca?: string | readonly string[];
}

/** Docker Hub's API does not answer on `docker.io` itself: container runtimes talk to this host. */
const DOCKER_HUB_API = 'registry-1.docker.io';

/** `host[:port]` as written in a proxy prefix → the URL of its API version check. */
export function probeUrl(host: string): string {
  return `https://${host === 'docker.io' ? DOCKER_HUB_API : host}/v2/`;
}

/** Node's error codes for certificate and handshake failures start with these (or are these). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/;

function describeError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? error.name;
  return TLS_CODE.test(code) ? `tls: ${code}` : `connection: ${code}`;
}

/** Classifies a status code (see the module comment). */
export function classifyStatus(status: number): ProbeOutcome {
  if (status === 200 || status === 401) return { up: true, status, detail: `HTTP ${status}` };
  if (status >= 500) return { up: false, status, detail: `HTTP ${status}` };
  return { up: true, status, detail: `HTTP ${status} (unexpected for /v2/, counted as up)` };
}

/**
 * A probe function for {@link createProxyHealth}: resolves with the outcome, never rejects on network
 * faults; stops (and destroys its socket) as soon as `signal` aborts.
 */
export function createHttpsProbe(
  options: HttpsProbeOptions = {},
): (host: string, signal: AbortSignal) => Promise<ProbeOutcome> {
  const ca = options.ca === undefined ? undefined : [options.ca].flat();
  return (host, signal) =>
    new Promise<ProbeOutcome>((resolve) => {
      let url: URL;
      try {
        url = new URL(probeUrl(host));
      } catch {
        resolve({ up: false, detail: `not a host: ${JSON.stringify(host)}` });
        return;
      }
      const req = request(url, {
        method: 'GET',
        agent: false,
        signal,
        ...(ca === undefined ? {} : { ca }),
        headers: { 'user-agent': 'docker-proxy-webhook health check', accept: 'application/json' },
      });
      req.on('response', (response) => {
        // Only the status matters: drop the body and the connection.
        response.resume();
        req.destroy();
        resolve(classifyStatus(response.statusCode ?? 0));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        resolve(
          signal.aborted ? { up: false, detail: 'aborted' } : { up: false, detail: describeError(error) },
        );
      });
      req.end();
    });
}
