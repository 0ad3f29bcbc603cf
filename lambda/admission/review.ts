/**
 * AdmissionReview in and out (`admission.k8s.io/v1` and `v1beta1`). Decoding checks exactly what the webhook
 * relies on and names the first missing or wrong field; responses are built only through the constructors
 * below, which always echo the request's apiVersion and uid and set `patchType` only when there is a patch.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response
 */

import { err, ok, type Result } from '../result.ts';
import { isObject } from './json.ts';
import type { JsonPatchOperation } from './patch.ts';

export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionVersion = (typeof ADMISSION_VERSIONS)[number];

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** The fields of `request` the webhook reads. Everything else is passed through untouched. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

export interface AdmissionReview {
  readonly apiVersion: AdmissionVersion;
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly patchType?: 'JSONPatch';
  /** Standard, padded base64 of the JSON Patch (the apiserver rejects any other alphabet). */
  readonly patch?: string;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  readonly status?: { readonly code: number; readonly message: string; readonly reason?: string };
}

export interface AdmissionReviewResponse {
  readonly apiVersion: AdmissionVersion;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/**
 * Returned (not thrown) by {@link decodeAdmissionReview} when a body is not an AdmissionReview the webhook can
 * answer; the message names the first field at fault.
 */
export class AdmissionReviewError extends Error {
  override readonly name = 'AdmissionReviewError';
}

const describe = (value: unknown): string =>
  value === undefined ? 'missing' : `${JSON.stringify(value)?.slice(0, 60)}`;

/** Checks the envelope and the request fields the webhook uses; the message names the field at fault. */
export function decodeAdmissionReview(value: unknown): Result<AdmissionReview, AdmissionReviewError> {
  const fail = (message: string) => err(new AdmissionReviewError(message));
  if (!isObject(value)) return fail('expected a JSON object');
  if (!(ADMISSION_VERSIONS as readonly unknown[]).includes(value.apiVersion)) {
    return fail(`apiVersion must be ${ADMISSION_VERSIONS.join(' or ')} (got ${describe(value.apiVersion)})`);
  }
  if (value.kind !== 'AdmissionReview')
    return fail(`kind must be AdmissionReview (got ${describe(value.kind)})`);
  const request = value.request;
  if (!isObject(request)) return fail(`request must be an object (got ${describe(request)})`);
  if (typeof request.uid !== 'string' || request.uid === '') {
    return fail(`request.uid must be a non-empty string (got ${describe(request.uid)})`);
  }
  const kind = request.kind;
  if (!isObject(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string') {
    return fail(`request.kind must be {group, version, kind} (got ${describe(kind)})`);
  }
  const resource = request.resource;
  if (!isObject(resource) || typeof resource.resource !== 'string') {
    return fail(`request.resource must be {group, version, resource} (got ${describe(resource)})`);
  }
  if (typeof request.operation !== 'string' || !OPERATIONS.includes(request.operation)) {
    return fail(
      `request.operation must be one of ${OPERATIONS.join(', ')} (got ${describe(request.operation)})`,
    );
  }
  for (const field of ['subResource', 'name', 'namespace'] as const) {
    if (request[field] !== undefined && request[field] !== null && typeof request[field] !== 'string') {
      return fail(`request.${field} must be a string (got ${describe(request[field])})`);
    }
  }
  if (request.dryRun !== undefined && request.dryRun !== null && typeof request.dryRun !== 'boolean') {
    return fail(`request.dryRun must be a boolean (got ${describe(request.dryRun)})`);
  }
  return ok(value as unknown as AdmissionReview);
}

/** The apiserver truncates longer warnings; keep each one whole and readable. */
export const WARNING_MAX_LENGTH = 120;
/** Enough to name every problem of a normal pod without flooding `kubectl` output. */
export const WARNINGS_MAX = 10;

/** Trims, shortens to {@link WARNING_MAX_LENGTH}, drops duplicates and caps the count. */
export function normalizeWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings.map((w) => shorten(w.replace(/\s+/g, ' ').trim())))].filter(
    (w) => w !== '',
  );
  if (unique.length <= WARNINGS_MAX) return unique;
  return [
    ...unique.slice(0, WARNINGS_MAX - 1),
    `docker-proxy-webhook: ${unique.length - WARNINGS_MAX + 1} more warnings; see the webhook logs`,
  ];
}

function shorten(text: string): string {
  return text.length <= WARNING_MAX_LENGTH ? text : `${text.slice(0, WARNING_MAX_LENGTH - 1)}…`;
}

interface ResponseExtras {
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

function respond(review: AdmissionReview, response: Omit<AdmissionResponse, 'uid'>, extras: ResponseExtras) {
  const warnings = normalizeWarnings(extras.warnings ?? []);
  const audit = extras.auditAnnotations ?? {};
  const body: AdmissionResponse = {
    uid: review.request.uid,
    ...response,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(Object.keys(audit).length > 0 ? { auditAnnotations: audit } : {}),
  };
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: body } as const;
}

/** Allowed, unchanged. */
export function allowed(review: AdmissionReview, extras: ResponseExtras = {}): AdmissionReviewResponse {
  return respond(review, { allowed: true }, extras);
}

/** Allowed with a JSON Patch; with no operations this is {@link allowed} (no `patchType`, no `patch`). */
export function patched(
  review: AdmissionReview,
  operations: readonly JsonPatchOperation[],
  extras: ResponseExtras = {},
): AdmissionReviewResponse {
  if (operations.length === 0) return allowed(review, extras);
  const patch = Buffer.from(JSON.stringify(operations), 'utf8').toString('base64');
  return respond(review, { allowed: true, patchType: 'JSONPatch', patch }, extras);
}

/** Denied by policy (`/validate` in deny mode): 403 Forbidden with a message the user sees. */
export function denied(
  review: AdmissionReview,
  message: string,
  extras: ResponseExtras = {},
): AdmissionReviewResponse {
  return respond(review, { allowed: false, status: { code: 403, reason: 'Forbidden', message } }, extras);
}

/** Denied because of our own failure (only when fail-closed is configured): 500. */
export function errored(review: AdmissionReview, message: string): AdmissionReviewResponse {
  return respond(review, { allowed: false, status: { code: 500, reason: 'InternalError', message } }, {});
}
