/**
 * The rule index: compiled `registries` and `ignore` entries, and the three lookups a decision needs — the
 * most specific registry rule for a repository, the ignore pattern covering it, the proxy it is already under —
 * plus the checks that keep rules from feeding each other (loops, two registries in one cache).
 */
import { foldDockerHub } from '../images/docker-hub.ts';
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
  return { match, ignored, proxiedBy };
}

/**
 * Loops and collisions: a proxy prefix must not itself be rewritten, and two upstream registries must not
 * share one proxy prefix. One issue per fault, at the proxy's JSON path (`proxyAt`).
 */
export function checkRules(
  rules: readonly RegistryRule[],
  index: RuleIndex,
  proxyAt: (rule: RegistryRule) => string,
): MappingsIssue[] {
  const issues: MappingsIssue[] = [];
  const proxyOwner = new Map<string, RegistryRule>();
  for (const rule of rules) {
    const loop = index.match(rule.proxyDomain, rule.proxyPath);
    if (loop !== undefined) {
      issues.push({
        path: proxyAt(rule),
        message: `${show(rule.proxy)} is itself matched by registries[${JSON.stringify(loop.rule.key)}]: rewritten images would be rewritten again`,
      });
    }
    const prefix = [rule.proxyDomain, ...rule.proxyPath].join('/');
    const owner = proxyOwner.get(prefix);
    if (owner !== undefined && tableKey(owner) !== tableKey(rule)) {
      issues.push({
        path: proxyAt(rule),
        message: `${show(rule.proxy)} is also the proxy of registries[${JSON.stringify(owner.key)}]: images of two registries would collide in one cache`,
      });
    }
    proxyOwner.set(prefix, owner ?? rule);
  }
  return issues;
}
