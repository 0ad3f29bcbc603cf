/**
 * The mappings document as written: its zod shape (unknown keys rejected, defaults filled) and the JSON Schema
 * editors get from it. What the values mean is checked later, by `parse.ts`.
 *
 * ```json
 * {
 *   "version": 1,
 *   "mode": "enforce",
 *   "registries": {
 *     "docker.io": "harbor.example.com/dockerhub",
 *     "docker.io/bitnami": "harbor.example.com/bitnami",
 *     "ghcr.io": { "proxy": "harbor.example.com/ghcr", "pullSecret": "ghcr-cache-credentials" },
 *     "*.gcr.io": "harbor.example.com/gcr"
 *   },
 *   "ignore": ["*.dkr.ecr.*.amazonaws.com", "registry.internal.example.com"],
 *   "pullSecret": "docker-proxy-credentials"
 * }
 * ```
 */
import * as z from 'zod/mini';

/** The default docker-config Secret name pods get in `imagePullSecrets` when a proxy needs credentials. */
export const DEFAULT_PULL_SECRET = 'docker-proxy-credentials';

const described = (description: string) => z.meta({ description });

const pullSecretSchema = z
  .nullable(z.string())
  .check(
    described(
      'Name of the docker-config Secret (in the pod namespace) needed to pull from the proxy; null when none is needed (e.g. ECR with the node IAM role).',
    ),
  );

const healthCheckSchema = z
  .boolean()
  .check(
    described(
      'Probe the proxy (GET https://<proxy host>/v2/) before rewriting to it: 200 or 401 is up; refused, TLS errors, timeouts and 5xx are down.',
    ),
  );
const whenDownSchema = z
  .enum(['upstream', 'rewrite'])
  .check(
    described(
      'With healthCheck, what a down proxy means: upstream (default) leaves the image as written (decision proxy-unavailable); rewrite rewrites anyway.',
    ),
  );

const mappingSchema = z.union([
  z.string().check(described('Proxy prefix: host[:port][/path]')),
  z.strictObject({
    proxy: z.string().check(described('Proxy prefix: host[:port][/path]')),
    pullSecret: z.optional(pullSecretSchema),
    healthCheck: z.optional(healthCheckSchema),
    whenDown: z.optional(whenDownSchema),
  }),
]);

/** zod/mini, not zod: the same validation at a twentieth of the bundle size (the Lambda's cold start). */
export const documentSchema = z
  .strictObject({
    $schema: z.optional(z.string()).check(described('JSON Schema reference, for editors; ignored.')),
    version: z.literal(1).check(described('Document format version; must be 1.')),
    mode: z
      ._default(z.enum(['enforce', 'observe']), 'enforce')
      .check(
        described(
          'enforce: pods are patched. observe: decisions are computed, logged and counted, but no patch is returned.',
        ),
      ),
    registries: z
      .record(z.string(), mappingSchema)
      .check(
        described(
          "Keys: upstream registry host[:port] (or *.suffix for any subdomain), optionally followed by a repository path prefix. Values: the proxy prefix, or { proxy, pullSecret }. One-to-one: two entries whose proxy prefixes are equal or nested must rewrite alike (the wider key giving the narrower key's images the narrower proxy).",
        ),
      ),
    ignore: z
      ._default(z.array(z.string()), [])
      .check(
        described(
          'Images never rewritten: host patterns (* = one DNS label) or host/path prefixes, e.g. *.dkr.ecr.*.amazonaws.com.',
        ),
      ),
    pullSecret: z._default(pullSecretSchema, DEFAULT_PULL_SECRET),
    // No defaults filled in: a document without these keys keeps its revision (and behaves as before).
    healthCheck: z.optional(
      z
        .boolean()
        .check(described('Default healthCheck of every registries entry (false: no proxy is probed).')),
    ),
    whenDown: z.optional(
      z
        .enum(['upstream', 'rewrite'])
        .check(described('Default whenDown of every registries entry (upstream).')),
    ),
  })
  .check(
    z.meta({
      title: 'docker-proxy-webhook mappings',
      description: 'Registry mappings for docker-proxy-webhook.',
    }),
  );

/** The document as written (after defaults). */
export type MappingsDocument = z.output<typeof documentSchema>;

/** One `registries` value as written: a proxy prefix, or `{ proxy, pullSecret }`. */
export type MappingEntry = MappingsDocument['registries'][string];

/** JSON Schema (draft 2020-12) for editors; committed as `lambda/mappings/mappings.schema.json`. */
export function mappingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(documentSchema, { io: 'input' }) as Record<string, unknown>;
}
