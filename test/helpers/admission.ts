import fastJsonPatch from 'fast-json-patch';
import type { AdmissionReview, AdmissionReviewResponse } from '../../lambda/admission/review.ts';
import { type Mappings, parseMappings } from '../../lambda/mappings/parse.ts';
import { loadFixture } from './fixtures.ts';

/** Compiles a mappings document, failing the test when it is rejected. */
export function compileMappings(document: unknown): Mappings {
  const result = parseMappings(document);
  if (!result.ok) throw result.error;
  return result.value;
}

/** The mappings the admission fixtures are written against. */
export const admissionMappings = (): Mappings => compileMappings(loadFixture('admission/mappings.json'));

let uid = 0;

/** A v1 Pod CREATE review of `pod`; `request` overrides any request field. */
export function podReview(pod: unknown, request: Record<string, unknown> = {}): AdmissionReview {
  uid += 1;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-0000-0000-${String(uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      object: pod,
      ...request,
    },
  } as AdmissionReview;
}

/** The JSON Patch operations of a response (`[]` when it has none). */
export function patchOf(response: AdmissionReviewResponse): fastJsonPatch.Operation[] {
  const patch = response.response.patch;
  return patch === undefined ? [] : JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
}

/**
 * Applies a response's patch to a copy of the request object, validating every operation (RFC 6902: a
 * missing parent or index fails, as it fails in the apiserver).
 */
export function applyResponse(review: AdmissionReview, response: AdmissionReviewResponse): unknown {
  const object = structuredClone(review.request.object);
  return fastJsonPatch.applyPatch(object, patchOf(response), true, false).newDocument;
}
