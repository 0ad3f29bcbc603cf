/**
 * Docker Hub's names: the one place that decides whether a registry domain is Docker Hub. The reference parser,
 * the mappings' keys, proxies and ignore patterns, and the rule lookups all fold through {@link foldDockerHub}.
 */

/** The Docker Hub registry, as normalized references name it. */
export const DOCKER_HUB = 'docker.io';

/**
 * Other spellings of Docker Hub: `index.docker.io` is folded by upstream (distribution/reference); we also fold
 * `registry-1.docker.io`, the host Docker Hub's API really answers on, so every spelling is one registry.
 */
const DOCKER_HUB_ALIASES: readonly string[] = ['index.docker.io', 'registry-1.docker.io'];

/** `index.docker.io` and `registry-1.docker.io` → `docker.io`; any other domain unchanged. */
export function foldDockerHub(domain: string): string {
  return DOCKER_HUB_ALIASES.includes(domain) ? DOCKER_HUB : domain;
}
