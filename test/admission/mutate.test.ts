import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutateReview, ORIGINAL_IMAGES_ANNOTATION } from '../../lambda/admission/mutate.ts';
import { containerLabel } from '../../lambda/admission/pod.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import type { Mappings } from '../../lambda/mappings/parse.ts';
import {
  admissionMappings,
  applyResponse,
  compileMappings,
  patchOf,
  podReview,
} from '../helpers/admission.ts';
import { domain, validReference } from '../helpers/arbitraries.ts';
import { loadFixture } from '../helpers/fixtures.ts';

const mappings = admissionMappings();
const decide = (image: string) => decideImage(image, mappings);
const mutate = (review: ReturnType<typeof podReview>, m: Mappings = mappings, observe = false) =>
  mutateReview(review, (image) => decideImage(image, m), { observe });

interface MutateCase {
  name: string;
  pod: Record<string, unknown>;
  /** The pod after the patch; `null` = no patch expected. */
  expectedPod: unknown;
  warnings?: string[];
}

describe('mutateReview', () => {
  it.each(loadFixture<MutateCase[]>('admission/mutate.json').map((c) => [c.name, c]))('%s', (_name, c) => {
    // Prepare
    const review = podReview(c.pod);

    // Act
    const outcome = mutateReview(review, decide, { observe: false });

    // Assess
    const { response } = outcome.response;
    expect(response.uid).toBe(review.request.uid);
    expect(response.allowed).toBe(true);
    if (c.expectedPod === null) {
      expect(response.patch).toBeUndefined();
      expect(response.patchType).toBeUndefined();
      expect(outcome.patched).toBe(false);
    } else {
      expect(response.patchType).toBe('JSONPatch');
      expect(applyResponse(review, outcome.response)).toEqual(c.expectedPod);
      // Reviewing the patched pod again changes nothing.
      expect(mutate(podReview(c.expectedPod)).response.response.patch).toBeUndefined();
    }
    expect(response.warnings ?? []).toEqual(c.warnings ?? []);
  });

  it.each(
    loadFixture<{ name: string; request: Record<string, unknown>; skipped: string }[]>(
      'admission/skipped.json',
    ).map((c) => [c.name, c]),
  )('skips %s', (_name, c) => {
    const review = podReview({ spec: { containers: [{ name: 'a', image: 'nginx' }] } }, c.request);
    const outcome = mutate(review);
    expect(outcome.skipped).toBe(c.skipped);
    expect(outcome.decisions).toEqual([]);
    expect(outcome.response.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('escapes "/" and "~" in annotation keys (RFC 6901)', () => {
    const pod = {
      metadata: { annotations: { x: 'y' } },
      spec: { containers: [{ name: 'a', image: 'nginx' }] },
    };
    const ops = patchOf(mutate(podReview(pod)).response);
    expect(ops).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/docker-proxy-webhook~1original-images',
      value: '{"a":"nginx"}',
    });
  });

  it('replaces exactly the rewritten image paths', () => {
    const pod = {
      spec: {
        initContainers: [
          { name: 'i', image: 'quay.io/a/b' },
          { name: 'j', image: 'alpine' },
        ],
        containers: [{ name: 'a', image: 'nginx' }],
      },
    };
    const ops = patchOf(mutate(podReview(pod)).response).filter((op) => op.op === 'replace');
    expect(ops).toEqual([
      {
        op: 'replace',
        path: '/spec/initContainers/1/image',
        value: 'harbor.example.com/dockerhub/library/alpine',
      },
      {
        op: 'replace',
        path: '/spec/containers/0/image',
        value: 'harbor.example.com/dockerhub/library/nginx',
      },
    ]);
  });

  it('records rewrites and unmapped images in auditAnnotations', () => {
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'quay.io/x/y' },
        ],
      },
    };
    expect(mutate(podReview(pod)).response.response.auditAnnotations).toEqual({
      'images-rewritten': 'a: nginx -> harbor.example.com/dockerhub/library/nginx',
      'images-unmapped': 'quay.io/x/y',
    });
  });

  it('echoes v1beta1', () => {
    const review = { ...podReview({ spec: { containers: [{ name: 'a', image: 'nginx' }] } }) };
    const beta = { ...review, apiVersion: 'admission.k8s.io/v1beta1' as const };
    expect(mutate(beta).response.apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it('observe mode reports the decisions and a warning, and returns no patch', () => {
    const outcome = mutate(
      podReview({ spec: { containers: [{ name: 'a', image: 'nginx' }] } }),
      mappings,
      true,
    );
    expect(outcome.patched).toBe(false);
    expect(outcome.response.response.patch).toBeUndefined();
    expect(outcome.decisions.map((d) => d.decision.kind)).toEqual(['rewritten']);
    expect(outcome.response.response.warnings).toEqual([
      'observe mode: would rewrite a: nginx -> harbor.example.com/dockerhub/library/nginx',
    ]);
  });

  it('observe mode names each image it would rewrite, and counts those too long to name (see the logs)', () => {
    const long = `ghcr.io/org/${'x'.repeat(60)}:1`;
    const review = podReview({
      spec: {
        initContainers: [{ name: 'init', image: 'alpine:3.20' }],
        containers: [
          { name: 'web', image: 'nginx:1.27' },
          { name: 'big', image: long },
          { name: 'other', image: 'quay.io/x/y:1' },
        ],
      },
    });
    const { warnings } = mutate(review, mappings, true).response.response;
    expect(warnings).toEqual([
      'observe mode: would rewrite init:init: alpine:3.20 -> harbor.example.com/dockerhub/library/alpine:3.20',
      'observe mode: would rewrite web: nginx:1.27 -> harbor.example.com/dockerhub/library/nginx:1.27',
      'docker-proxy-webhook observe mode: 1 more image(s) would be rewritten; see the webhook logs',
      'other: no proxy mapping for quay.io/x/y:1; pulled from upstream',
    ]);
    for (const warning of warnings ?? []) expect(warning.length).toBeLessThanOrEqual(120);
    const onlyLong = mutate(
      podReview({ spec: { containers: [{ name: 'big', image: long }] } }),
      mappings,
      true,
    );
    expect(onlyLong.response.response.warnings).toEqual([
      'docker-proxy-webhook observe mode: 1 image(s) would be rewritten; see the webhook logs',
    ]);
  });

  it('dry-run requests get the same answer (the webhook has no side effects)', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'nginx' }] } };
    const dry = mutate(podReview(pod, { dryRun: true })).response.response;
    const wet = mutate(podReview(pod)).response.response;
    expect({ ...dry, uid: '' }).toEqual({ ...wet, uid: '' });
  });
});

describe('mutateReview on pods/ephemeralcontainers (kubectl debug)', () => {
  const old = {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'app', image: 'harbor.example.com/dockerhub/library/nginx' }],
      ephemeralContainers: [{ name: 'debug-1', image: 'busybox' }],
      imagePullSecrets: [{ name: 'docker-proxy-credentials' }],
    },
  };
  const updated = structuredClone(old);
  updated.spec.ephemeralContainers.push({ name: 'debug-2', image: 'busybox:1.36' });
  const review = podReview(updated, {
    operation: 'UPDATE',
    subResource: 'ephemeralcontainers',
    oldObject: old,
  });

  it('rewrites only the new ephemeral container, and touches nothing else', () => {
    const outcome = mutate(review);
    expect(outcome.decisions.map((d) => d.container)).toEqual(['debug-2']);
    expect(patchOf(outcome.response)).toEqual([
      {
        op: 'replace',
        path: '/spec/ephemeralContainers/1/image',
        value: 'harbor.example.com/dockerhub/library/busybox:1.36',
      },
    ]);
    expect(outcome.response.response.warnings).toBeUndefined();
  });

  it('leaves an image whose proxy needs a pull secret the pod lacks as written, and says so (it cannot be added to a running pod)', () => {
    const withGhcr = structuredClone(updated);
    withGhcr.spec.ephemeralContainers.push({ name: 'debug-3', image: 'ghcr.io/org/debug:1' });
    const outcome = mutate(
      podReview(withGhcr, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: old }),
    );
    expect(outcome.response.response.warnings).toEqual([
      'ephemeral:debug-3: ghcr.io/org/debug:1 not rewritten: the pod lacks imagePullSecret ghcr-pull its proxy needs',
    ]);
    expect(patchOf(outcome.response)).toEqual([
      {
        op: 'replace',
        path: '/spec/ephemeralContainers/1/image',
        value: 'harbor.example.com/dockerhub/library/busybox:1.36',
      },
    ]);
    expect(outcome.decisions.map((d) => [d.container, d.decision.kind])).toEqual([
      ['debug-2', 'rewritten'],
      ['debug-3', 'unmapped'],
    ]);
  });

  it('observe mode does not warn about a pull secret: nothing is rewritten', () => {
    const withGhcr = structuredClone(old);
    withGhcr.spec.ephemeralContainers.push({ name: 'debug-3', image: 'ghcr.io/org/debug:1' });
    const outcome = mutate(
      podReview(withGhcr, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: old }),
      mappings,
      true,
    );
    expect(outcome.response.response.patch).toBeUndefined();
    expect(outcome.response.response.warnings).toBeUndefined();
  });
});

// ---- Properties over random pods and mappings ----

const MAPPINGS_POOL = [
  mappings,
  compileMappings({
    version: 1,
    registries: { 'docker.io': 'dockerhub.cache.example.net', '*.example.io/team': 'cache.example.net/team' },
    pullSecret: 'proxy.pull',
  }),
  compileMappings({
    version: 1,
    registries: { 'docker.io/library': 'cache.example.net/official' },
    pullSecret: null,
  }),
];

const image = fc.oneof(
  validReference,
  fc.constantFrom(
    'nginx',
    'ghcr.io/a/b:1',
    'harbor.example.com/dockerhub/library/nginx',
    'Bad',
    '',
    'a.example.io/team/x',
  ),
  fc.string({ maxLength: 20 }),
  domain.map((d) => `${d}/x`),
);
const container = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9~/-]{0,8}$/), image });
const annotations = fc.option(
  fc.dictionary(
    fc.oneof(fc.constant('docker-proxy-webhook/original-images'), fc.stringMatching(/^[a-z~/.]{1,10}$/)),
    fc.oneof(fc.string({ maxLength: 10 }), fc.constant('{"a":"nginx"}')),
  ),
  { nil: undefined },
);
const pod = fc.record(
  {
    metadata: fc.record({ name: fc.constant('p'), annotations }, { requiredKeys: [] }),
    spec: fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 4 }),
        initContainers: fc.array(container, { maxLength: 2 }),
        ephemeralContainers: fc.array(container, { maxLength: 2 }),
        imagePullSecrets: fc.array(
          fc.record({ name: fc.constantFrom('docker-proxy-credentials', 'ghcr-pull', 'x') }),
          {
            maxLength: 3,
          },
        ),
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { requiredKeys: ['spec'] },
);

describe('mutateReview properties', () => {
  it('every patch applies to the request object, and the patched pod gets no second patch', () => {
    fc.assert(
      fc.property(pod, fc.constantFrom(...MAPPINGS_POOL), (p, m) => {
        const review = podReview(p);
        const first = mutate(review, m);
        const patchedPod = applyResponse(review, first.response) as typeof p;
        for (const d of first.decisions) {
          expect(patchedPod.spec[d.list]?.[d.index]?.image).toBe(d.decision.image);
        }
        const second = mutate(podReview(patchedPod), m);
        expect(second.response.response.patch).toBeUndefined();
        if (first.patched) {
          // Every rewritten container is in the original-images record.
          const annotations = (patchedPod.metadata?.annotations ?? {}) as Record<string, string>;
          const record = JSON.parse(annotations[ORIGINAL_IMAGES_ANNOTATION] ?? '{}');
          for (const d of first.decisions.filter((d) => d.decision.kind === 'rewritten')) {
            expect(record[containerLabel(d.list, d.container)]).toBeTypeOf('string');
          }
          // And every entry is true: the recorded original is rewritten to exactly the container's image.
          const images = new Map<string, string[]>();
          for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
            for (const c of patchedPod.spec[list] ?? []) {
              const label = containerLabel(list, c.name);
              images.set(label, [...(images.get(label) ?? []), c.image]);
            }
          }
          for (const [label, original] of Object.entries(record)) {
            const current = images.get(label);
            if (current === undefined || current.length !== 1) continue; // duplicate names: no single truth
            const recorded = decideImage(original as string, m);
            expect(recorded.kind === 'rewritten' && recorded.image, label).toBe(current[0]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never duplicates an imagePullSecrets entry it adds', () => {
    fc.assert(
      fc.property(pod, fc.constantFrom(...MAPPINGS_POOL), (p, m) => {
        const review = podReview(p);
        const patchedPod = applyResponse(review, mutate(review, m).response) as typeof p;
        const before = (p.spec.imagePullSecrets ?? []).map((s) => s.name);
        const after = (patchedPod.spec.imagePullSecrets ?? []).map((s) => s.name);
        expect(after.slice(0, before.length)).toEqual(before);
        const added = after.slice(before.length);
        expect(new Set(added).size).toBe(added.length);
        for (const name of added) expect(before).not.toContain(name);
      }),
      { numRuns: 300 },
    );
  });
});

/** A running pod and the same pod with some images changed in place (a plain UPDATE). */
const podUpdate = fc
  .tuple(pod, fc.array(fc.tuple(fc.nat(), image), { maxLength: 4 }))
  .map(([old, changes]) => {
    const updated = structuredClone(old);
    const lists = (['containers', 'initContainers', 'ephemeralContainers'] as const).filter(
      (list) => (updated.spec[list]?.length ?? 0) > 0,
    );
    changes.forEach(([n, newImage], i) => {
      const list = updated.spec[lists[i % lists.length] as (typeof lists)[number]] ?? [];
      const target = list[n % list.length];
      if (target !== undefined) target.image = newImage;
    });
    return { old, updated };
  });

describe('mutateReview properties on a plain UPDATE', () => {
  it('patches apply to the exact request object, touch only changed images and the record, and are stable', () => {
    fc.assert(
      fc.property(podUpdate, fc.constantFrom(...MAPPINGS_POOL), ({ old, updated }, m) => {
        const review = podReview(updated, { operation: 'UPDATE', oldObject: old });
        const first = mutate(review, m);
        const patchedPod = applyResponse(review, first.response) as typeof updated;
        const changedPaths = new Set(first.decisions.map((d) => `/spec/${d.list}/${d.index}/image`));
        for (const op of patchOf(first.response)) {
          const allowed =
            changedPaths.has(op.path) ||
            op.path === '/metadata/annotations/docker-proxy-webhook~1original-images' ||
            (op.path === '/metadata/annotations' && op.op === 'add') ||
            (op.path === '/metadata' && op.op === 'add');
          expect(allowed, JSON.stringify(op)).toBe(true);
        }
        expect(patchedPod.spec.imagePullSecrets).toEqual(updated.spec.imagePullSecrets);
        for (const d of first.decisions) {
          expect(patchedPod.spec[d.list]?.[d.index]?.image).toBe(d.decision.image);
          // A rewrite's secret is one the pod already has (it cannot be added to a running pod).
          if (d.decision.kind === 'rewritten' && d.decision.pullSecret !== null) {
            expect(updated.spec.imagePullSecrets?.map((s) => s.name)).toContain(d.decision.pullSecret);
          }
        }
        const second = mutate(podReview(patchedPod, { operation: 'UPDATE', oldObject: old }), m);
        expect(second.response.response.patch).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('on pods/ephemeralcontainers, patches touch only the new ephemeral containers images', () => {
    fc.assert(
      fc.property(
        pod,
        fc.array(container, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...MAPPINGS_POOL),
        (old, added, m) => {
          const updated = structuredClone(old);
          updated.spec.ephemeralContainers = [...(updated.spec.ephemeralContainers ?? []), ...added];
          const review = podReview(updated, {
            operation: 'UPDATE',
            subResource: 'ephemeralcontainers',
            oldObject: old,
          });
          const outcome = mutate(review, m);
          applyResponse(review, outcome.response);
          for (const op of patchOf(outcome.response)) {
            expect(op.path).toMatch(/^\/spec\/ephemeralContainers\/\d+\/image$/);
          }
          // Observe mode rewrites nothing, so no pull secret can be missing.
          const observed = mutate(review, m, true).response.response;
          expect(observed.warnings ?? []).not.toContainEqual(expect.stringContaining('imagePullSecret'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
