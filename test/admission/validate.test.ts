import { describe, expect, it } from 'vitest';
import { validateReview } from '../../lambda/admission/validate.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { admissionMappings, podReview } from '../helpers/admission.ts';

const mappings = admissionMappings();
const decide = (image: string) => decideImage(image, mappings);

const pod = (...images: string[]) => ({
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
});

describe('validateReview', () => {
  it.each([
    ['proxied', pod('harbor.example.com/dockerhub/library/nginx:1')],
    ['ignored', pod('123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1')],
    ['not a pod', undefined],
  ])('allows %s images silently in both modes', (_name, p) => {
    for (const mode of ['warn', 'deny'] as const) {
      const review =
        p === undefined
          ? podReview({}, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } })
          : podReview(p);
      const { response } = validateReview(review, decide, { mode }).response;
      expect(response).toEqual({ uid: review.request.uid, allowed: true });
    }
  });

  it('warn mode: allowed, one warning per image not pulled through a proxy', () => {
    const review = podReview(pod('quay.io/x/y:1', 'nginx', 'Bad'));
    const outcome = validateReview(review, decide, { mode: 'warn' });
    expect(outcome.denied).toBe(false);
    expect(outcome.response.response).toEqual({
      uid: review.request.uid,
      allowed: true,
      warnings: [
        'c0: no proxy mapping for quay.io/x/y:1; pulled from upstream',
        'c1: nginx is not pulled through its proxy',
        'c2: invalid image "Bad": repository name must be lowercase',
      ],
    });
  });

  it('deny mode: 403 listing every image at fault', () => {
    const review = podReview(pod('quay.io/x/y:1', 'harbor.example.com/dockerhub/library/nginx', 'nginx'));
    const outcome = validateReview(review, decide, { mode: 'deny' });
    expect(outcome.denied).toBe(true);
    expect(outcome.response.response.allowed).toBe(false);
    expect(outcome.response.response.status).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'docker-proxy-webhook: images not pulled through a proxy: c0: quay.io/x/y:1 (no mapping); c2: nginx (mapped to harbor.example.com/dockerhub/library/nginx but not rewritten). Add a mapping or an ignore entry, or use the proxied image.',
    });
  });
});
