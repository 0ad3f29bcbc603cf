import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../lambda/config.ts';
import type { Mappings } from '../lambda/mappings/parse.ts';
import type { MappingsSnapshot, MappingsSource } from '../lambda/mappings/source.ts';
import { createTelemetry } from '../lambda/telemetry.ts';
import { createWebhook } from '../lambda/webhook.ts';
import { admissionMappings, patchOf, podReview } from './helpers/admission.ts';

/** The webhook without any transport: decoded reviews in, AdmissionReview responses out. */
function webhookWith(mappings: Mappings | undefined, env: Record<string, string> = {}) {
  const snapshot: MappingsSnapshot<Mappings> = {
    value: mappings,
    loadedAt: mappings === undefined ? undefined : 0,
    ageMs: mappings === undefined ? undefined : 2_400,
    stale: false,
    lastError: mappings === undefined ? 'file m.json: not found' : undefined,
  };
  const source: MappingsSource<Mappings> = {
    current: async () => snapshot,
    peek: () => snapshot,
    refresh: async () => snapshot,
  };
  return createWebhook({
    config: readConfig({ MAPPINGS_FILE: 'unused.json', ...env }),
    mappings: source,
    telemetry: createTelemetry(),
  });
}

const POD = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('createWebhook (no transport)', () => {
  it('answers /mutate with a patch that rewrites the image, echoing the uid', async () => {
    // Prepare
    const review = podReview(POD);
    // Act
    const response = await webhookWith(admissionMappings()).review('mutate', review);
    // Assess
    expect(response.response.uid).toBe(review.request.uid);
    expect(response.response.allowed).toBe(true);
    expect(patchOf(response)[0]).toEqual({
      op: 'replace',
      path: '/spec/containers/0/image',
      value: expect.stringMatching(/\/library\/nginx:1\.27$/),
    });
  });

  it('answers /validate in deny mode with a 403 naming the image', async () => {
    const response = await webhookWith(admissionMappings(), { VALIDATE_MODE: 'deny' }).review(
      'validate',
      podReview(POD),
    );
    expect(response.response.allowed).toBe(false);
    expect(response.response.status?.code).toBe(403);
    expect(response.response.status?.message).toContain('app: nginx:1.27 (mapped to');
  });

  it('reports health: ok with the mappings, unavailable without', async () => {
    const mappings = admissionMappings();
    expect(await webhookWith(mappings).health()).toEqual({
      status: 'ok',
      mappings: {
        loaded: true,
        version: 1,
        revision: mappings.revision,
        mode: mappings.mode,
        registries: mappings.registryCount,
        ageSeconds: 2,
        stale: false,
        lastError: undefined,
      },
      validateMode: 'warn',
      failClosed: false,
      proxies: [{ host: 'harbor.example.com', checked: false }],
    });
    const down = await webhookWith(undefined).health();
    expect(down.status).toBe('unavailable');
    expect(down.mappings.lastError).toBe('file m.json: not found');
  });
});
