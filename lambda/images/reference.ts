/**
 * Image references: the grammar Docker, containerd and the kubelet use (distribution/reference v0.6.0).
 * Docker Hub's spellings are folded in one place, `docker-hub.ts`.
 *
 * ```
 *  reference                       := name [ ":" tag ] [ "@" digest ]
 *  name                            := [domain '/'] remote-name
 *  domain                          := host [':' port-number]
 *  host                            := domain-name | IPv4address | \[ IPv6address \]   ; rfc3986 appendix-A
 *  domain-name                     := domain-component ['.' domain-component]*
 *  domain-component                := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *  port-number                     := /[0-9]+/
 *  path-component                  := alpha-numeric [separator alpha-numeric]*
 *  path (or "remote-name")         := path-component ['/' path-component]*
 *  alpha-numeric                   := /[a-z0-9]+/
 *  separator                       := /[_.]|__|[-]+/
 *  tag                             := /[\w][\w.-]{0,127}/
 *  digest                          := digest-algorithm ":" digest-hex
 *  digest-algorithm                := digest-algorithm-component [ digest-algorithm-separator digest-algorithm-component ]*
 *  digest-algorithm-separator      := /[+.-_]/
 *  digest-algorithm-component      := /[A-Za-z][A-Za-z0-9]{0,}/
 *  digest-hex                      := /[0-9a-fA-F]{32,}/ ; at least 128 bit digest value
 *  identifier                      := /[a-f0-9]{64}/
 * ```
 *
 * The entry points mirror upstream:
 * - {@link parseReference} is upstream `Parse`: the raw grammar, no defaults. Its `domain` is whatever
 *   precedes the first `/` when that text is a valid host (so `a/b` has domain `a`).
 * - {@link parseNormalizedReference} is upstream `ParseNormalizedNamed`: what a container runtime pulls.
 *   A first component is a registry only if it contains `.` or `:`, is `localhost`, or has uppercase
 *   letters; otherwise the image is on Docker Hub (`docker.io`), and a one-component Docker Hub path gets
 *   `library/`. `index.docker.io` is folded into `docker.io`, as upstream does, only when written so in
 *   lowercase (`INDEX.DOCKER.IO/nginx` keeps its domain and gets no `library/`); we also fold
 *   `registry-1.docker.io` ({@link foldDockerHub}). No `:latest` is ever added: an untagged reference stays
 *   untagged.
 * - {@link parseNamed} / {@link parseName} are upstream `ParseNamed` / `WithName`.
 *
 * Nothing here throws on bad input: every parser returns a {@link ReferenceResult} (the one `Result` of
 * `lambda/result.ts`) whose error is an {@link ImageReferenceError} naming the input and what is wrong.
 *
 * @see https://github.com/distribution/reference/blob/v0.6.0/reference.go
 * @see https://github.com/distribution/reference/blob/v0.6.0/normalize.go
 */

import { err, ok, type Result } from '../result.ts';
import { DOCKER_HUB, foldDockerHub } from './docker-hub.ts';

// ---- Grammar pieces, named as upstream's regexp.go names them. ----

/** One or more lowercase letters and digits. */
const alphanumeric = '[a-z0-9]+';
/** Separators allowed between alphanumerics inside a path component. */
const separator = '(?:[._]|__|[-]+)';
/** One `/`-separated piece of a repository path. */
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
/** One DNS label; uppercase is allowed here (hosts are case-insensitive), unlike in the path. */
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** Optional `:port`. */
const optionalPort = '(?::[0-9]+)?';
/** Dot-separated labels; also matches IPv4 addresses. */
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
/** A bracketed IPv6 address (no zone: `%` is not allowed). */
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
/** A registry host with an optional port. */
const domainAndPort = `(?:${domainName}|${ipv6address})${optionalPort}`;
/** A tag: word characters, `.` and `-`; at most 128 characters. */
const tag = '[\\w][\\w.-]{0,127}';
/** A digest as the grammar sees it; {@link validateDigest} then checks algorithm and length. */
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
/** A repository path: one or more path components. */
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
/** A full name: optional domain, then the path. */
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

/** Captures: 1 name, 2 tag, 3 digest. */
const referenceRegexp = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
/** Captures: 1 domain (optional), 2 path. */
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
/** A bare image ID, which a name must not look like. */
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
/** A whole repository path. Exported for `mappings/address.ts`, which validates the path prefixes of keys. */
export const anchoredPathRegexp: RegExp = new RegExp(`^${remoteName}$`);

/**
 * Upstream `NameTotalLengthMax`: since v0.6.0 the limit applies to the repository path, not the domain. Rewritten
 * names also meet the older rule, domain and path together (`rewrite.ts`).
 */
export const NAME_TOTAL_LENGTH_MAX = 255;

/** The namespace of Docker Hub's official images. */
const OFFICIAL_REPO_PREFIX = 'library/';

/** Hex length of each digest algorithm a registry may use (go-digest's registered algorithms). */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const anchoredEncodedRegexp = /^[a-f0-9]+$/;

// ---- Errors ----

/**
 * What is wrong with a reference. Each code is upstream's error value of the same name
 * (`ErrNameEmpty` → `NameEmpty`; `digest.ErrDigestUnsupported` → `DigestUnsupported`), plus
 * `NameIsIdentifier` for upstream's unnamed "64-byte hexadecimal" error.
 */
export type ImageReferenceErrorCode =
  | 'NameEmpty'
  | 'ReferenceInvalidFormat'
  | 'NameContainsUppercase'
  | 'NameTooLong'
  | 'NameNotCanonical'
  | 'NameIsIdentifier'
  | 'DigestInvalidFormat'
  | 'DigestInvalidLength'
  | 'DigestUnsupported';

/** Upstream's message for each code, so users can search for it. */
const MESSAGES: Readonly<Record<ImageReferenceErrorCode, string>> = {
  NameEmpty: 'repository name must have at least one component',
  ReferenceInvalidFormat: 'invalid reference format',
  NameContainsUppercase: 'repository name must be lowercase',
  NameTooLong: `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
  NameNotCanonical: 'repository name must be canonical',
  NameIsIdentifier: 'cannot specify 64-byte hexadecimal strings as a repository name',
  DigestInvalidFormat: 'invalid checksum digest format',
  DigestInvalidLength: 'invalid checksum digest length',
  DigestUnsupported: 'unsupported digest algorithm',
};

/**
 * Thrown by nothing: returned by every parser in this module when its input is not a valid reference.
 * The message names the input and the fault, e.g. `"Nginx:1.0": repository name must be lowercase`.
 */
export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
  /** Which rule the input broke. */
  readonly code: ImageReferenceErrorCode;
  /** The input as given. */
  readonly input: string;
  /** The upstream message without the input, for short warnings. */
  readonly reason: string;

  constructor(code: ImageReferenceErrorCode, input: string, options?: ErrorOptions) {
    const reason = MESSAGES[code];
    super(`${JSON.stringify(input)}: ${reason}`, options);
    this.code = code;
    this.input = input;
    this.reason = reason;
  }
}

// ---- Values ----

/** A parsed image reference. Normalized references always have a `domain`. */
export interface Reference {
  /** Registry host with optional port (`docker.io`, `localhost:5000`, `[::1]:5000`); `''` when absent. */
  readonly domain: string;
  /** Repository path below the registry (`library/nginx`). */
  readonly path: string;
  /** Tag, when present (`1.27`). */
  readonly tag?: string;
  /** Digest `algorithm:hex`, when present. */
  readonly digest?: string;
}

/** The result of every parser here: a reference, or the reason there is none. Never throws. */
export type ReferenceResult = Result<Reference, ImageReferenceError>;

const fail = (code: ImageReferenceErrorCode, input: string, options?: ErrorOptions): ReferenceResult =>
  err(new ImageReferenceError(code, input, options));

/** The repository name: `domain/path`, or `path` when there is no domain. */
export function nameOf(ref: Reference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** Formats a reference as `[domain/]path[:tag][@digest]`, the inverse of {@link parseReference}. */
export function formatReference(ref: Reference): string {
  let s = nameOf(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** go-digest's `Digest.Validate` for a string the grammar already accepted. */
function validateDigest(digest: string): ImageReferenceErrorCode | undefined {
  const i = digest.indexOf(':');
  const expected = DIGEST_HEX_LENGTH[digest.slice(0, i)];
  const encoded = digest.slice(i + 1);
  if (expected === undefined) return 'DigestUnsupported';
  if (encoded.length !== expected) return 'DigestInvalidLength';
  return anchoredEncodedRegexp.test(encoded) ? undefined : 'DigestInvalidFormat';
}

/**
 * Parses a reference by the raw grammar (upstream `Parse`): no default registry, no `library/`.
 * The `domain` is set when the name has a `/` and its first component is a valid host.
 */
export function parseReference(input: string): ReferenceResult {
  const matches = referenceRegexp.exec(input);
  if (matches === null) {
    if (input === '') return fail('NameEmpty', input);
    if (referenceRegexp.test(input.toLowerCase())) return fail('NameContainsUppercase', input);
    return fail('ReferenceInvalidFormat', input);
  }
  const name = matches[1] ?? '';
  const nameMatch = anchoredNameRegexp.exec(name);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? name;
  if (path.length > NAME_TOTAL_LENGTH_MAX) return fail('NameTooLong', input);
  const digest = matches[3];
  if (digest !== undefined) {
    const fault = validateDigest(digest);
    if (fault !== undefined) return fail(fault, input);
  }
  const reference: { domain: string; path: string; tag?: string; digest?: string } = { domain, path };
  if (matches[2] !== undefined) reference.tag = matches[2];
  if (digest !== undefined) reference.digest = digest;
  return ok(reference);
}

/** Parses a repository name with no tag or digest (upstream `WithName`). */
export function parseName(input: string): ReferenceResult {
  const match = anchoredNameRegexp.exec(input);
  if (match === null) return fail('ReferenceInvalidFormat', input);
  const path = match[2] ?? '';
  if (path.length > NAME_TOTAL_LENGTH_MAX) return fail('NameTooLong', input);
  return ok({ domain: match[1] ?? '', path });
}

/**
 * Splits off the registry the way a container runtime does (upstream `splitDockerDomain`), folding
 * Docker Hub's aliases and adding `library/` to one-component Docker Hub paths.
 */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DOCKER_HUB;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  domain = foldDockerHub(domain);
  if (domain === DOCKER_HUB && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses a reference as a container runtime resolves it (upstream `ParseNormalizedNamed`):
 * `nginx:1.27` → `docker.io/library/nginx:1.27`. The result always has a domain.
 */
export function parseNormalizedReference(input: string): ReferenceResult {
  if (input === '') return fail('NameEmpty', input);
  if (anchoredIdentifierRegexp.test(input)) return fail('NameIsIdentifier', input);
  const { domain, remainder } = splitDockerDomain(input);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) return fail('NameContainsUppercase', input);
  const parsed = parseReference(`${domain}/${remainder}`);
  if (!parsed.ok) {
    // Report the user's input, not the string we built from it.
    return fail(parsed.error.code, input, { cause: parsed.error });
  }
  return parsed;
}

/** Parses a reference that must already be in normalized form (upstream `ParseNamed`). */
export function parseNamed(input: string): ReferenceResult {
  const parsed = parseNormalizedReference(input);
  if (!parsed.ok) return parsed;
  if (formatReference(parsed.value) !== input) return fail('NameNotCanonical', input);
  return parsed;
}
