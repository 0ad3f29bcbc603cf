import { describe, expect, it } from 'vitest';
import {
  AdmissionReviewError,
  allowed,
  decodeAdmissionReview,
  denied,
  errored,
  normalizeWarnings,
  patched,
  WARNING_MAX_LENGTH,
} from '../../lambda/admission/review.ts';
import { podReview } from '../helpers/admission.ts';
import { loadFixture } from '../helpers/fixtures.ts';

describe('decodeAdmissionReview', () => {
  it.each(
    loadFixture<{ body: unknown; message: string }[]>('admission/decode-invalid.json').map((c) => [
      c.message,
      c,
    ]),
  )('rejects: %s', (_message, c) => {
    const decoded = decodeAdmissionReview(c.body);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error).toBeInstanceOf(AdmissionReviewError);
    expect(decoded.error.message).toBe(c.message);
  });

  it('accepts v1 and v1beta1 reviews', () => {
    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
      const review = { ...podReview({}), apiVersion };
      expect(decodeAdmissionReview(review)).toEqual({ ok: true, value: review });
    }
  });
});

describe('response constructors', () => {
  const review = podReview({});

  it('allowed: uid and allowed only', () => {
    expect(allowed(review)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: review.request.uid, allowed: true },
    });
  });

  it('patched: standard padded base64 and patchType; no operations means no patch', () => {
    const ops = [{ op: 'replace' as const, path: '/spec/containers/0/image', value: 'a>b?' }];
    const { response } = patched(review, ops);
    expect(response.patchType).toBe('JSONPatch');
    expect(response.patch).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect((response.patch?.length ?? 0) % 4).toBe(0);
    expect(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString())).toEqual(ops);
    expect(patched(review, [])).toEqual(allowed(review));
  });

  it('denied: 403; errored: 500', () => {
    expect(denied(review, 'no').response.status).toEqual({ code: 403, reason: 'Forbidden', message: 'no' });
    expect(errored(review, 'oops').response).toEqual({
      uid: review.request.uid,
      allowed: false,
      status: { code: 500, reason: 'InternalError', message: 'oops' },
    });
  });
});

describe('normalizeWarnings', () => {
  it('shortens to the apiserver limit, drops duplicates and blanks, caps the count', () => {
    const long = 'x'.repeat(300);
    const many = Array.from({ length: 15 }, (_, i) => `w${i}`);
    expect(normalizeWarnings([long])[0]).toHaveLength(WARNING_MAX_LENGTH);
    expect(normalizeWarnings(['a', 'a', ' ', 'b \n c'])).toEqual(['a', 'b c']);
    const capped = normalizeWarnings(many);
    expect(capped).toHaveLength(10);
    expect(capped[9]).toBe('docker-proxy-webhook: 6 more warnings; see the webhook logs');
  });
});
