/**
 * The rule index: compiled `registries` and `ignore` entries, and the three lookups a decision needs — the
 * most specific registry rule for a repository, the ignore pattern covering it, the proxy it is already under —
 * plus the checks that keep rules from feeding each other (loops, two registries in one cache).
 */
import { foldDockerHub, isDockerHubInAnotherCase } from '../images/docker-hub.ts';
import { domainParts } from './address.ts';
import { type MappingsIssue, show } from './issues.ts';

/** One `registries` entry, compiled. */
export interface RegistryRule {
  /** The key as written in the document. */
  readonly key: string;
  /** The key, normalized: lowercase host, Docker Hub aliases folded. */
  readonly normalizedKey: string;
  readonly wildcard: boolean;
  /** Number of host labels the key names (for `*.a.b`, 2): more is more specific. */
  readonly labelCount: number;
  /** Repository path prefix the key matches (whole components). */
  readonly pathPrefix: readonly string[];
  /** The proxy prefix as written. */
  readonly proxy: string;
  /** The proxy prefix, normalized (lowercase host, aliases folded). */
  readonly proxyDomain: string;
  readonly proxyPath: readonly string[];
  /** The Secret pods need for this proxy (per-mapping override or the document default); `null` = none. */
  readonly pullSecret: string | null;
}

/** One `ignore` entry, compiled. */
export interface IgnoreRule {
  readonly pattern: string;
  /** Host labels; `*` matches exactly one label. */
  readonly labels: readonly string[];
  readonly port: string | undefined;
  /** For an IPv6 host (no label matching). */
  readonly domain: string;
  readonly pathPrefix: readonly string[];
}

/** A match of a repository against a rule: the rule and the path components after its prefix. */
export interface RuleMatch {
  readonly rule: RegistryRule;
  readonly rest: readonly string[];
}

/** The lookups over normalized repositories (`domain`, `path` components). */
export interface RuleIndex {
  /** The most specific registry rule for a repository. */
  match(domain: string, path: readonly string[]): RuleMatch | undefined;
  /** The first ignore pattern covering the repository. */
  ignored(domain: string, path: readonly string[]): IgnoreRule | undefined;
  /** The rule whose proxy prefix the repository is already under. */
  proxiedBy(domain: string, path: readonly string[]): RegistryRule | undefined;
}

const startsWith = (path: readonly string[], prefix: readonly string[]): boolean =>
  prefix.length <= path.length && prefix.every((component, i) => path[i] === component);

/** Orders rules most specific first: longer path prefix, then exact host over wildcard, then more labels. */
function specificity(a: RegistryRule, b: RegistryRule): number {
  return (
    b.pathPrefix.length - a.pathPrefix.length ||
    Number(a.wildcard) - Number(b.wildcard) ||
    b.labelCount - a.labelCount
  );
}

/** The lookup key of a domain: lowercase, Docker Hub's spellings folded. */
const registryOf = (domain: string): string => foldDockerHub(domain.toLowerCase());

/** Lookup keys: exact `host[:port]`, and `*.suffix[:port]` for every proper suffix of at least two labels. */
function candidateKeys(domain: string): string[] {
  const { port, labels } = domainParts(domain);
  const withPort = (h: string) => (port === undefined ? h : `${h}:${port}`);
  const keys = [registryOf(domain)];
  for (let i = 1; i <= labels.length - 2; i++) keys.push(`*.${withPort(labels.slice(i).join('.'))}`);
  return keys;
}

/** The table key of a rule: the host part of its normalized key. */
const tableKey = (rule: RegistryRule): string => rule.normalizedKey.split('/')[0] ?? '';

function matchesIgnore(rule: IgnoreRule, domain: string, path: readonly string[]): boolean {
  if (!startsWith(path, rule.pathPrefix)) return false;
  const { host, port, labels } = domainParts(domain);
  if (port !== rule.port) return false;
  if (rule.labels.length === 0) return host === rule.domain;
  return labels.length === rule.labels.length && rule.labels.every((l, i) => l === '*' || l === labels[i]);
}

/** Builds the lookups over compiled rules. */
export function indexRules(rules: readonly RegistryRule[], ignore: readonly IgnoreRule[]): RuleIndex {
  const table = new Map<string, RegistryRule[]>();
  for (const rule of rules) table.set(tableKey(rule), [...(table.get(tableKey(rule)) ?? []), rule]);
  for (const list of table.values()) list.sort(specificity);

  const match = (domain: string, path: readonly string[]): RuleMatch | undefined => {
    let best: RegistryRule | undefined;
    for (const key of candidateKeys(domain)) {
      for (const rule of table.get(key) ?? []) {
        if (!startsWith(path, rule.pathPrefix)) continue;
        if (best === undefined || specificity(rule, best) < 0) best = rule;
        break; // lists are sorted: the first match under a key is its most specific
      }
    }
    return best === undefined ? undefined : { rule: best, rest: path.slice(best.pathPrefix.length) };
  };
  const proxiedBy = (domain: string, path: readonly string[]): RegistryRule | undefined => {
    const registry = registryOf(domain);
    return rules.find((rule) => rule.proxyDomain === registry && startsWith(path, rule.proxyPath));
  };
  const ignored = (domain: string, path: readonly string[]): IgnoreRule | undefined =>
    ignore.find((rule) => matchesIgnore(rule, domain, path));
  // Docker Hub's names in another case are a registry of their own to container runtimes, which no key, ignore
  // pattern or proxy can name (keys are case-insensitive and spell Docker Hub in lowercase): nothing applies.
  const unless =
    <T>(lookup: (domain: string, path: readonly string[]) => T | undefined) =>
    (domain: string, path: readonly string[]): T | undefined =>
      isDockerHubInAnotherCase(domain) ? undefined : lookup(domain, path);
  return { match: unless(match), ignored: unless(ignored), proxiedBy: unless(proxiedBy) };
}

/** Whether `outer`'s key covers every image of `inner`'s key (same or wider host, shorter or equal path). */
function covers(outer: RegistryRule, inner: RegistryRule): boolean {
  if (!startsWith(inner.pathPrefix, outer.pathPrefix)) return false;
  if (tableKey(outer) === tableKey(inner)) return true;
  return outer.wildcard && candidateKeys(tableKey(inner).replace(/^\*\./, '')).includes(tableKey(outer));
}

/** Whether `outer` rewrites the images of `inner`'s key exactly as `inner` does (redundant, consistent). */
function agrees(outer: RegistryRule, inner: RegistryRule): boolean {
  if (!covers(outer, inner) || outer.proxyDomain !== inner.proxyDomain) return false;
  const rewritten = [...outer.proxyPath, ...inner.pathPrefix.slice(outer.pathPrefix.length)];
  return rewritten.length === inner.proxyPath.length && startsWith(rewritten, inner.proxyPath);
}

/** `a` and `b` when their proxy prefixes are equal or nested, the one with the shorter (or equal) one first. */
function nested(a: RegistryRule, b: RegistryRule): [RegistryRule, RegistryRule] | undefined {
  if (a.proxyDomain !== b.proxyDomain) return undefined;
  if (startsWith(b.proxyPath, a.proxyPath)) return [a, b];
  return startsWith(a.proxyPath, b.proxyPath) ? [b, a] : undefined;
}

/** Two images, one from each rule, that both rules would rewrite to one name, said for a message. */
function clash(outer: RegistryRule, inner: RegistryRule): string {
  const extra = inner.proxyPath.slice(outer.proxyPath.length);
  const output = [inner.proxyDomain, ...inner.proxyPath, 'app'].join('/');
  return `${[outer.normalizedKey, ...extra, 'app'].join('/')} and ${inner.normalizedKey}/app would both become ${output}`;
}

/**
 * One-to-one: two different images must never be rewritten to one proxy image. So two rules whose proxy
 * prefixes are equal or nested must agree — the wider key rewriting the narrower one's images exactly as the
 * narrower one does (`ghcr.io/fluxcd → …/ghcr/fluxcd` beside `ghcr.io → …/ghcr`). The issue is at the later
 * rule's proxy and names the earlier rule.
 */
function clashWith(later: RegistryRule, earlier: RegistryRule, at: string): MappingsIssue[] {
  const pair = nested(earlier, later);
  if (pair === undefined) return [];
  const [outer, inner] = pair;
  const equal = outer.proxyPath.length === inner.proxyPath.length;
  if (agrees(outer, inner) || (equal && agrees(inner, outer))) return [];
  const other = `registries[${JSON.stringify(earlier.key)}]`;
  if (equal && tableKey(earlier) !== tableKey(later)) {
    const message = `${show(later.proxy)} is also the proxy of ${other}: images of two registries would collide in one cache`;
    return [{ path: at, message }];
  }
  const where = equal ? 'is also' : inner === later ? 'is inside' : 'contains';
  const message = `${show(later.proxy)} ${where} the proxy of ${other} (${show(earlier.proxy)}) and the two rewrite differently: ${clash(outer, inner)}`;
  return [{ path: at, message }];
}

/**
 * Loops and collisions, rule by rule in document order: a proxy prefix must not itself be rewritten, and no
 * two rules may rewrite two images to one name ({@link clashWith}). Each issue is at the proxy's JSON path.
 */
export function checkRules(
  rules: readonly RegistryRule[],
  index: RuleIndex,
  proxyAt: (rule: RegistryRule) => string,
): MappingsIssue[] {
  return rules.flatMap((rule, i): MappingsIssue[] => {
    const loop = index.match(rule.proxyDomain, rule.proxyPath);
    const loops =
      loop === undefined
        ? []
        : [
            {
              path: proxyAt(rule),
              message: `${show(rule.proxy)} is itself matched by registries[${JSON.stringify(loop.rule.key)}]: rewritten images would be rewritten again`,
            },
          ];
    return [...loops, ...rules.slice(0, i).flatMap((earlier) => clashWith(rule, earlier, proxyAt(rule)))];
  });
}
