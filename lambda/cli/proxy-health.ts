/**
 * The proxy health options of `rewrite` and `review`: by default every proxy is assumed up (offline, the
 * decisions of a healthy day); `--proxy-down HOST` assumes a proxy down (to preview the fallback); `--probe`
 * probes the checked proxies from this machine, as the webhook does from where it runs.
 */
import { createProxyHealth, type ProxyHealth, type ProxyStatus } from '../health/health.ts';
import { createHttpsProbe } from '../health/probe.ts';
import type { CliIo } from './io.ts';

/** The options, for `parseCommandArgs`. */
export const HEALTH_OPTIONS = {
  probe: { type: 'boolean', default: false },
  'proxy-down': { type: 'string', multiple: true },
} as const;

export const HEALTH_USAGE = `  --probe               probe the proxies of entries with "healthCheck" now, from this machine
                        (GET https://<proxy>/v2/; NODE_EXTRA_CA_CERTS for a private CA)
  --proxy-down HOST     assume this proxy host ("host[:port]") is down (repeatable); without --probe,
                        every other proxy is assumed up`;

/** A laptop's network, not the webhook's 300 ms: a person waits for a true answer. */
const CLI_PROBE_WAIT_MS = 3_000;

/** What the two options ask for, as the webhook's health interface. */
export function commandProxyHealth(values: { probe?: boolean; 'proxy-down'?: string[] }): ProxyHealth {
  const down = new Set((values['proxy-down'] ?? []).map((host) => host.toLowerCase()));
  if (values.probe === true) {
    const probe = createHttpsProbe();
    return createProxyHealth({
      waitMs: CLI_PROBE_WAIT_MS,
      probe: (host, signal) =>
        down.has(host)
          ? Promise.resolve({ up: false, detail: 'assumed down (--proxy-down)' })
          : probe(host, signal),
    });
  }
  const seen = new Set<string>();
  const statusOf = (host: string): ProxyStatus =>
    down.has(host)
      ? { host, state: 'down', detail: 'assumed down (--proxy-down)' }
      : { host, state: 'up', detail: 'assumed up (use --probe to check)' };
  return {
    async check(hosts) {
      const wanted = [...new Set(hosts)];
      for (const host of wanted) seen.add(host);
      return new Map(wanted.map((host) => [host, statusOf(host).state] as const));
    },
    statuses: (hosts = []) => [...new Set([...seen, ...hosts])].sort().map(statusOf),
    inFlight: 0,
  };
}

/** One line per proxy a decision depended on, on standard error: `proxy harbor.example.com: down (HTTP 503)`. */
export function printProxyStates(proxies: ProxyHealth, io: CliIo): void {
  for (const status of proxies.statuses()) {
    io.stderr.write(
      `proxy ${status.host}: ${status.state}${status.detail === undefined ? '' : ` (${status.detail})`}\n`,
    );
  }
}
