import { describe, expect, it } from 'vitest';
import { mutateReview } from '../../lambda/admission/mutate.ts';
import { ORIGINAL_IMAGES_ANNOTATION } from '../../lambda/admission/original-images.ts';
import { validateReview } from '../../lambda/admission/validate.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { admissionMappings, applyResponse, patchOf, podReview } from '../helpers/admission.ts';

// A plain Pod UPDATE (`kubectl set image pod/p web=nginx:1.28`, `kubectl edit pod`): only the images that differ
// from oldObject are examined; a running pod's imagePullSecrets cannot change.

const mappings = admissionMappings();
const decide = (image: string) => decideImage(image, mappings);
const mutate = (review: ReturnType<typeof podReview>, observe = false) =>
  mutateReview(review, decide, { observe });

/** A pod as /mutate left it at creation: web rewritten and recorded; a sidecar nobody maps. */
const running = () => ({
  metadata: {
    name: 'p',
    labels: { app: 'web' },
    annotations: { [ORIGINAL_IMAGES_ANNOTATION]: '{"web":"nginx:1.27"}' },
  },
  spec: {
    containers: [
      { name: 'web', image: 'harbor.example.com/dockerhub/library/nginx:1.27' },
      { name: 'side', image: 'quay.io/org/side:1' },
    ],
    imagePullSecrets: [{ name: 'docker-proxy-credentials' }],
  },
});

/** An UPDATE review of `running()` after `edit`. */
function update(edit: (pod: ReturnType<typeof running>) => void) {
  const old = running();
  const pod = running();
  edit(pod);
  return podReview(pod, { operation: 'UPDATE', oldObject: old });
}

describe('mutateReview on a plain Pod UPDATE', () => {
  it('rewrites an image changed in place and updates its record, touching nothing else', () => {
    // Prepare
    const review = update((p) => {
      p.spec.containers[0] = { name: 'web', image: 'nginx:1.28' };
    });

    // Act
    const outcome = mutate(review);

    // Assess
    expect(outcome.decisions.map((d) => d.container)).toEqual(['web']);
    expect(patchOf(outcome.response)).toEqual([
      {
        op: 'replace',
        path: '/spec/containers/0/image',
        value: 'harbor.example.com/dockerhub/library/nginx:1.28',
      },
      {
        op: 'add',
        path: '/metadata/annotations/docker-proxy-webhook~1original-images',
        value: '{"web":"nginx:1.28"}',
      },
    ]);
    const patched = applyResponse(review, outcome.response) as ReturnType<typeof running>;
    expect(patched.spec.containers[1]).toEqual({ name: 'side', image: 'quay.io/org/side:1' });
    // Reviewing the patched update again (reinvocation) changes nothing.
    const again = mutate(podReview(patched, { operation: 'UPDATE', oldObject: running() }));
    expect(again.response.response.patch).toBeUndefined();
  });

  it('a label change examines no image, even an unmapped one: no patch, no warning', () => {
    const outcome = mutate(
      update((p) => {
        p.metadata.labels.app = 'web2';
      }),
    );
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.decisions).toEqual([]);
    expect(outcome.response.response).toEqual({ uid: outcome.response.response.uid, allowed: true });
  });

  it('leaves an image whose proxy needs a pull secret the pod lacks as written, with a warning', () => {
    const review = update((p) => {
      p.spec.containers[0] = { name: 'web', image: 'ghcr.io/org/web:2' };
    });
    const outcome = mutate(review);
    expect(outcome.response.response.warnings).toEqual([
      'web: ghcr.io/org/web:2 not rewritten: the pod lacks imagePullSecret ghcr-pull its proxy needs',
    ]);
    // The record no longer describes web's image: it goes, and the image stays as written.
    expect(patchOf(outcome.response)).toEqual([
      { op: 'remove', path: '/metadata/annotations/docker-proxy-webhook~1original-images' },
    ]);
    const patched = applyResponse(review, outcome.response) as ReturnType<typeof running>;
    expect(patched.spec.containers[0]?.image).toBe('ghcr.io/org/web:2');
    expect(patched.spec.imagePullSecrets).toEqual([{ name: 'docker-proxy-credentials' }]);
  });

  it('observe mode: names the rewrite, returns no patch, no pull-secret warning', () => {
    const rewrite = mutate(
      update((p) => {
        p.spec.containers[0] = { name: 'web', image: 'nginx:1.28' };
      }),
      true,
    );
    expect(rewrite.response.response.patch).toBeUndefined();
    expect(rewrite.response.response.warnings).toEqual([
      'observe mode: would rewrite web: nginx:1.28 -> harbor.example.com/dockerhub/library/nginx:1.28',
    ]);
    const secret = mutate(
      update((p) => {
        p.spec.containers[0] = { name: 'web', image: 'ghcr.io/org/web:2' };
      }),
      true,
    );
    expect(secret.response.response.warnings).toBeUndefined();
  });
});

describe('validateReview on a plain Pod UPDATE', () => {
  it('deny mode: an image changed in place to one not pulled through a proxy is denied', () => {
    const review = update((p) => {
      p.spec.containers[0] = { name: 'web', image: 'quay.io/org/web:2' };
    });
    const outcome = validateReview(review, decide, { mode: 'deny' });
    expect(outcome.denied).toBe(true);
    expect(outcome.response.response.status?.message).toContain('web: quay.io/org/web:2 (no mapping)');
  });

  it('deny mode: unchanged images are not judged again (a label change on an old pod is allowed)', () => {
    const review = update((p) => {
      p.metadata.labels.app = 'web2';
    });
    const outcome = validateReview(review, decide, { mode: 'deny' });
    expect(outcome.denied).toBe(false);
    expect(outcome.response.response).toEqual({ uid: review.request.uid, allowed: true });
  });
});
