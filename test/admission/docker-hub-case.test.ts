import { describe, expect, it } from 'vitest';
import { validateReview } from '../../lambda/admission/validate.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { compileMappings, podReview } from '../helpers/admission.ts';
import { loadFixture } from '../helpers/fixtures.ts';

/** The mappings of the rewrite fixture: docker.io proxied, `docker.io/mycompany` ignored. */
const mappings = compileMappings(loadFixture<{ mappings: unknown }>('rewrite/docker-hub-case.json').mappings);
const decide = (image: string) => decideImage(image, mappings);

describe('/validate in deny mode with Docker Hub spelled in another case', () => {
  it.each([
    ['Index.Docker.io/mycompany/app:1'],
    ['REGISTRY-1.DOCKER.IO/mycompany/app:1'],
    ['INDEX.DOCKER.IO/nginx'],
  ])(
    'denies %s: not Docker Hub to a runtime, so neither the ignore entry nor the docker.io proxy covers it',
    (image) => {
      // Prepare
      const review = podReview({ spec: { containers: [{ name: 'app', image }] } });

      // Act
      const outcome = validateReview(review, decide, { mode: 'deny' });

      // Assess
      expect(outcome.denied).toBe(true);
      expect(outcome.response.response.status?.message).toContain(image);
    },
  );

  it('allows the lowercase spelling, which the ignore entry covers', () => {
    const review = podReview({
      spec: { containers: [{ name: 'app', image: 'index.docker.io/mycompany/app:1' }] },
    });
    expect(validateReview(review, decide, { mode: 'deny' }).denied).toBe(false);
  });
});
