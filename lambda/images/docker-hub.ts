/**
 * Docker Hub's names: the one place that decides whether a registry domain is Docker Hub. The reference parser,
 * the mappings' keys, proxies and ignore patterns, and the rule lookups all go through this module.
 *
 * Container runtimes compare Docker Hub's names case-sensitively: distribution/reference's `splitDockerDomain`
 * (which containerd's and Docker's parsers follow) folds `index.docker.io` into `docker.io` and adds `library/`
 * only when the name is written exactly so, and containerd's resolver sends only `docker.io` to Docker Hub's
 * endpoint. `INDEX.DOCKER.IO/nginx` is therefore the repository `nginx` on a registry of its own, not
 * `docker.io/library/nginx`; we read it the same way ({@link isDockerHubInAnotherCase}).
 *
 * @see https://github.com/distribution/reference/blob/v0.6.0/normalize.go
 */

/** The Docker Hub registry, as normalized references name it. */
export const DOCKER_HUB = 'docker.io';

/**
 * Other spellings of Docker Hub: `index.docker.io` is folded by upstream (distribution/reference); we also fold
 * `registry-1.docker.io`, the host Docker Hub's API really answers on, so every spelling is one registry.
 */
const DOCKER_HUB_ALIASES: readonly string[] = ['index.docker.io', 'registry-1.docker.io'];

/** `index.docker.io` and `registry-1.docker.io` → `docker.io`; any other domain (other cases too) unchanged. */
export function foldDockerHub(domain: string): string {
  return DOCKER_HUB_ALIASES.includes(domain) ? DOCKER_HUB : domain;
}

/**
 * Whether a domain is one of Docker Hub's names written in another case (`INDEX.DOCKER.IO`, `Docker.io`): not
 * Docker Hub to a container runtime, and no key, ignore pattern or proxy of the mappings can name it.
 */
export function isDockerHubInAnotherCase(domain: string): boolean {
  const lower = domain.toLowerCase();
  return lower !== domain && (lower === DOCKER_HUB || DOCKER_HUB_ALIASES.includes(lower));
}
