import { describe, expect, it } from 'vitest';
import { type DescriptionForm, describeDecision } from '../../lambda/images/describe.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { admissionMappings } from '../helpers/admission.ts';

const decide = (image: string) => decideImage(image, admissionMappings());
const PROXIED = 'harbor.example.com/dockerhub/library/nginx:1.27';
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:2';

// One row per decision kind; each column is the text one surface writes (undefined: that surface says nothing).
describe('describeDecision: every surface worded in one place', () => {
  it.each([
    {
      image: 'nginx:1.27',
      line: `nginx:1.27 → ${PROXIED} (registries["docker.io"], pull secret docker-proxy-credentials)`,
      reason: 'registries["docker.io"]',
      change: `nginx:1.27 -> ${PROXIED}`,
      problem: undefined,
      unproxied: 'nginx:1.27 is not pulled through its proxy',
      violation: `nginx:1.27 (mapped to ${PROXIED} but not rewritten)`,
    },
    {
      image: PROXIED,
      line: `${PROXIED} is already under the proxy of registries["docker.io"]`,
      reason: 'already under the proxy of registries["docker.io"]',
      change: PROXIED,
      problem: undefined,
      unproxied: undefined,
      violation: undefined,
    },
    {
      image: ECR,
      line: `${ECR} is ignored ("*.dkr.ecr.*.amazonaws.com")`,
      reason: 'ignore "*.dkr.ecr.*.amazonaws.com"',
      change: ECR,
      problem: undefined,
      unproxied: undefined,
      violation: undefined,
    },
    {
      image: 'quay.io/x/y:1',
      line: 'quay.io/x/y:1 (quay.io/x/y:1) matches no mapping',
      reason: 'no registries key matches quay.io/x/y:1',
      change: 'quay.io/x/y:1',
      problem: 'no proxy mapping for quay.io/x/y:1; pulled from upstream',
      unproxied: 'no proxy mapping for quay.io/x/y:1; pulled from upstream',
      violation: 'quay.io/x/y:1 (no mapping)',
    },
    {
      image: 'Bad',
      line: '"Bad": repository name must be lowercase',
      reason: 'repository name must be lowercase',
      change: 'Bad',
      problem: 'invalid image "Bad": repository name must be lowercase',
      unproxied: 'invalid image "Bad": repository name must be lowercase',
      violation: '"Bad" (repository name must be lowercase)',
    },
  ])('$image', ({ image, ...expected }) => {
    // Act
    const decision = decide(image);
    const forms = Object.keys(expected) as DescriptionForm[];
    // Assess
    expect(Object.fromEntries(forms.map((form) => [form, describeDecision(decision, form)]))).toEqual(
      expected,
    );
    expect(describeDecision(decision)).toBe(expected.line);
  });
});
