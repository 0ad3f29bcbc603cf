/**
 * Registry addresses as the mappings document writes them: registry keys (`host[:port][/path]`, or
 * `*.domain[/path]`), proxy prefixes (`host[:port][/path]`) and ignore patterns (`*` = one DNS label).
 * Hosts are lowercased and Docker Hub's spellings folded (`images/docker-hub.ts`), so that keys compare with
 * the domains of normalized references.
 */
import { foldDockerHub, isDockerHubInAnotherCase } from '../images/docker-hub.ts';
import { anchoredPathRegexp } from '../images/reference.ts';
import { err, ok, type Result } from '../result.ts';
import { show } from './issues.ts';

/** One DNS label (a host name component), as the reference grammar allows it. */
const LABEL = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const IPV6 = /^\[[a-f0-9:]+\]$/;
const PORT = /^[0-9]+$/;

/** A registry address split into parts; the host is lowercased and Docker Hub's spellings are folded. */
export interface Address {
  /** Host with its port, as images spell the registry (`docker.io`, `localhost:5000`). */
  readonly domain: string;
  /** Host name labels (empty for IPv6). */
  readonly labels: readonly string[];
  readonly port: string | undefined;
  /** Repository path components (whole components only). */
  readonly path: readonly string[];
  /** Whether a `*` label was written (only where the kind of address allows one). */
  readonly wildcard: boolean;
}

/** What kind of address is parsed: where `*` may appear, and how messages name it. */
export interface AddressKind {
  readonly wildcard: 'none' | 'leading' | 'labels';
  readonly what: string;
  readonly example: string;
}

/** A `registries` key: `host[:port][/path]` or `*.domain[/path]`. */
export const REGISTRY_KEY: AddressKind = {
  wildcard: 'leading',
  what: 'a registry key',
  example: 'host[:port][/path] or *.domain[/path]',
};
/** A proxy prefix: `host[:port][/path]`, no wildcard. */
export const PROXY: AddressKind = {
  wildcard: 'none',
  what: 'a registry prefix',
  example: 'host[:port][/path]',
};
/** An `ignore` entry: a host pattern where `*` is one label, optionally with a path. */
export const IGNORE: AddressKind = {
  wildcard: 'labels',
  what: 'an ignore pattern',
  example: 'a host pattern (* = one label) or host[:port]/path',
};

/** `a:5000` → `{host:'a', port:'5000'}`; `[::1]:5000` → `{host:'[::1]', port:'5000'}`. */
export function splitPort(hostport: string): { host: string; port: string | undefined } {
  const colon = hostport.lastIndexOf(':');
  if (colon === -1 || hostport.endsWith(']') || hostport.lastIndexOf(']') > colon) {
    return { host: hostport, port: undefined };
  }
  return { host: hostport.slice(0, colon), port: hostport.slice(colon + 1) };
}

/** Splits a domain into lowercase labels and port (no labels for IPv6). */
export function domainParts(domain: string): { labels: string[]; port: string | undefined; host: string } {
  const { host, port } = splitPort(domain.toLowerCase());
  return { host, port, labels: IPV6.test(host) ? [] : host.split('.') };
}

/** Checks the labels of a (lowercase, non-IPv6) host; returns why it is bad, or whether it has a `*`. */
function checkLabels(
  labels: readonly string[],
  kind: AddressKind,
): { wildcard: boolean; fault?: undefined } | { fault: string } {
  let wildcard = false;
  for (const [i, label] of labels.entries()) {
    if (label === '*') {
      if (kind.wildcard === 'labels' || (kind.wildcard === 'leading' && i === 0 && labels.length > 2)) {
        wildcard = true;
        continue;
      }
      return {
        fault:
          kind.wildcard === 'leading'
            ? ' (only a leading "*." followed by a domain is allowed)'
            : ' (no "*")',
      };
    }
    if (!LABEL.test(label)) return { fault: ` (bad host label ${show(label)})` };
  }
  return { wildcard };
}

/**
 * Parses `host[:port][/path]`, with `*` labels where `kind` allows them. Returns the address, or a message
 * naming the text and its first fault.
 */
export function parseAddress(text: string, kind: AddressKind): Result<Address, string> {
  const bad = (why: string) => err(`${show(text)} is not ${kind.what}; write ${kind.example}${why}`);
  if (text === '' || /\s/.test(text) || text.includes('://')) return bad('');
  const slash = text.indexOf('/');
  const pathText = slash === -1 ? '' : text.slice(slash + 1);
  const written = slash === -1 ? text : text.slice(0, slash);
  if (isDockerHubInAnotherCase(written)) {
    const lower = show(written.toLowerCase());
    return bad(
      ` (Docker Hub's names are lowercase: runtimes read ${show(written)} as another registry; write ${lower})`,
    );
  }
  const { host, port, labels } = domainParts(written);
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535))
    return bad(` (bad port ${show(port)})`);
  const checked = labels.length === 0 ? { wildcard: false } : checkLabels(labels, kind);
  if (checked.fault !== undefined) return bad(checked.fault);
  // A registry host is what a container runtime takes for one: it has a dot or a port, or is localhost.
  if (labels.length === 1 && port === undefined && host !== 'localhost') {
    const hint = kind.wildcard === 'leading' ? `; for a Docker Hub namespace write "docker.io/${text}"` : '';
    return bad(` (a registry host has a "." or a ":port", or is localhost${hint})`);
  }
  if (pathText !== '' && !anchoredPathRegexp.test(pathText)) {
    return bad(` (bad repository path ${show(pathText)}: lowercase components separated by "/")`);
  }
  if (slash !== -1 && pathText === '') return bad(' (no trailing "/")');
  const domain = foldDockerHub(port === undefined ? host : `${host}:${port}`);
  return ok({
    domain,
    labels: domain === host ? labels : domainParts(domain).labels,
    port,
    path: pathText === '' ? [] : pathText.split('/'),
    wildcard: checked.wildcard,
  });
}
