/**
 * The health checks a mappings document asks for, per `registries` rule: `healthCheck` and `whenDown` on the
 * entry, else the document's defaults (`healthCheck: false`, `whenDown: "upstream"`). Read from the validated
 * document, computed once per compiled mappings. Pure.
 */
import type { HealthPolicies, HealthPolicy } from '../images/proxy-health.ts';
import type { Mappings } from './parse.ts';

const computed = new WeakMap<Mappings, HealthPolicies>();

/** Rule key → health check, for the rules that check their proxy (none for documents without the keys). */
export function healthPolicies(mappings: Mappings): HealthPolicies {
  const known = computed.get(mappings);
  if (known !== undefined) return known;
  const { document } = mappings;
  const policies = new Map<string, HealthPolicy>();
  for (const rule of mappings.registries) {
    const entry = document.registries[rule.key];
    const own = typeof entry === 'object' ? entry : undefined;
    if (!(own?.healthCheck ?? document.healthCheck ?? false)) continue;
    policies.set(rule.key, {
      host: rule.proxyDomain,
      whenDown: own?.whenDown ?? document.whenDown ?? 'upstream',
    });
  }
  computed.set(mappings, policies);
  return policies;
}

/** Every proxy host of the mappings, with whether it is checked and what happens when it is down. */
export function proxyHosts(
  mappings: Mappings,
): { readonly host: string; readonly checked: boolean; readonly whenDown?: HealthPolicy['whenDown'] }[] {
  const policies = healthPolicies(mappings);
  const hosts = new Map<string, { host: string; checked: boolean; whenDown?: HealthPolicy['whenDown'] }>();
  for (const rule of mappings.registries) {
    const policy = policies.get(rule.key);
    const seen = hosts.get(rule.proxyDomain);
    if (policy !== undefined && seen?.checked !== true)
      hosts.set(rule.proxyDomain, { host: rule.proxyDomain, checked: true, whenDown: policy.whenDown });
    else if (seen === undefined) hosts.set(rule.proxyDomain, { host: rule.proxyDomain, checked: false });
  }
  return [...hosts.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
