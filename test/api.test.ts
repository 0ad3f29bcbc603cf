import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayEvent, ApiGatewayResult } from '../lambda/api-gateway.ts';
import { readConfig } from '../lambda/config.ts';
import { createHandler } from '../lambda/create-handler.ts';
import { type Mappings, parseMappings } from '../lambda/mappings/parse.ts';
import type { MappingsSnapshot, MappingsSource } from '../lambda/mappings/source.ts';
import { createTelemetry, METRICS_NAMESPACE, MetricName } from '../lambda/telemetry.ts';
import type { WebhookDependencies } from '../lambda/webhook.ts';
import { type EventParts, httpApiEvent, lambdaContext, restEvent } from './helpers/events.ts';
import { loadFixture } from './helpers/fixtures.ts';

// ---- Prepare: a webhook with fixed mappings, capturing what it writes to stdout/stderr ----

const MAPPINGS_DOC = loadFixture('api/mappings.json');
const parsedMappings = parseMappings(MAPPINGS_DOC);
if (!parsedMappings.ok) throw parsedMappings.error;
const MAPPINGS: Mappings = parsedMappings.value;

/** A mappings source that serves what the test says. */
function fixedSource(value: Mappings | undefined, lastError?: string): MappingsSource<Mappings> {
  const snapshot: MappingsSnapshot<Mappings> = {
    value,
    loadedAt: value === undefined ? undefined : 0,
    ageMs: value === undefined ? undefined : 1000,
    stale: false,
    lastError,
  };
  return {
    current: async () => snapshot,
    peek: () => snapshot,
    refresh: async () => snapshot,
  };
}

interface Harness {
  readonly call: (event: ApiGatewayEvent) => Promise<ApiGatewayResult>;
}

function webhook(
  overrides: { env?: Record<string, string>; mappings?: MappingsSource<Mappings>; token?: string } = {},
): Harness {
  const deps: WebhookDependencies = {
    config: readConfig({ MAPPINGS_FILE: 'unused.json', ...overrides.env }),
    mappings: overrides.mappings ?? fixedSource(MAPPINGS),
    telemetry: createTelemetry(),
    pathToken: async () => overrides.token,
  };
  const handler = createHandler(deps);
  return { call: (event) => handler(event, lambdaContext()) };
}

let output: string[] = [];
beforeEach(() => {
  output = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every JSON line written (Powertools logs and EMF metric blobs). */
const jsonLines = (): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Sum of each EMF metric written so far. */
function emittedMetrics(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of jsonLines()) {
    const aws = line._aws as
      | { CloudWatchMetrics?: { Namespace: string; Metrics: { Name: string }[] }[] }
      | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      for (const { Name } of directive.Metrics) {
        const value = line[Name];
        const sum = Array.isArray(value) ? value.reduce((a: number, b: number) => a + b, 0) : Number(value);
        totals[Name] = (totals[Name] ?? 0) + sum;
      }
    }
  }
  return totals;
}

const REVIEW = loadFixture<Record<string, unknown>>('api/review-pod.json');
const reviewBody = (review: unknown = REVIEW) => JSON.stringify(review);

function parseBody(result: ApiGatewayResult): Record<string, unknown> {
  expect(result.headers?.['content-type']).toBe('application/json');
  return JSON.parse(result.body ?? '') as Record<string, unknown>;
}

interface ReviewResponse {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
}

function applyResponse(review: Record<string, unknown>, response: ReviewResponse): unknown {
  const object = structuredClone((review.request as { object: unknown }).object);
  if (response.response.patch === undefined) return object;
  const ops = JSON.parse(Buffer.from(response.response.patch, 'base64').toString('utf8'));
  return fastJsonPatch.applyPatch(object, ops, true, false).newDocument;
}

const flavours: [string, (parts: EventParts) => ApiGatewayEvent][] = [
  ['REST API (v1)', restEvent],
  ['HTTP API (v2)', httpApiEvent],
];

// ---- Routing ----

describe.each(flavours)('routing through %s events', (_name, event) => {
  const body = reviewBody();
  it.each([
    ['POST /mutate', { method: 'POST', path: '/mutate', body }, undefined, 200],
    ['POST /validate', { method: 'POST', path: '/validate', body }, undefined, 200],
    ['GET /healthz', { method: 'GET', path: '/healthz' }, undefined, 200],
    [
      'HEAD /healthz (answered as GET; the HTTP layer drops the body)',
      { method: 'HEAD', path: '/healthz' },
      undefined,
      200,
    ],
    ['HEAD /mutate', { method: 'HEAD', path: '/mutate' }, undefined, 405],
    ['empty first segment', { method: 'POST', path: '//evil/mutate', body }, undefined, 404],
    ['trailing slash', { method: 'POST', path: '/mutate/', body }, undefined, 200],
    ['GET /mutate', { method: 'GET', path: '/mutate' }, undefined, 405],
    ['POST /healthz', { method: 'POST', path: '/healthz', body }, undefined, 405],
    ['unknown route', { method: 'POST', path: '/admit', body }, undefined, 404],
    ['root', { method: 'GET', path: '/' }, undefined, 404],
    ['nested', { method: 'POST', path: '/a/mutate', body }, undefined, 404],
    [
      'token: right',
      { method: 'POST', path: '/s3cr3t-token-0123456789/mutate', body },
      's3cr3t-token-0123456789',
      200,
    ],
    [
      'token: healthz',
      { method: 'GET', path: '/s3cr3t-token-0123456789/healthz' },
      's3cr3t-token-0123456789',
      200,
    ],
    ['token: missing', { method: 'POST', path: '/mutate', body }, 's3cr3t-token-0123456789', 404],
    [
      'token: wrong',
      { method: 'POST', path: '/s3cr3t-token-0123456780/mutate', body },
      's3cr3t-token-0123456789',
      404,
    ],
    ['token: prefix', { method: 'POST', path: '/s3cr3t/mutate', body }, 's3cr3t-token-0123456789', 404],
    [
      'token: longer',
      { method: 'POST', path: '/s3cr3t-token-01234567890/mutate', body },
      's3cr3t-token-0123456789',
      404,
    ],
  ] as const)('%s → %i', async (_label, parts, token, status) => {
    // Act
    const result = await webhook({ token }).call(event(parts));
    // Assess
    expect(result.statusCode).toBe(status);
    if (status === 405) expect(result.headers?.allow).toBe(parts.path === '/healthz' ? 'GET, HEAD' : 'POST');
    if (status === 404) expect(parseBody(result)).toEqual({ message: 'not found' });
  });

  it('answers a wrong token exactly like an unknown route', async () => {
    const hook = webhook({ token: 's3cr3t-token-0123456789' });
    const wrong = await hook.call(event({ path: '/s3cr3t-token-0123456780/mutate', body }));
    const unknown = await hook.call(event({ path: '/nothing', body }));
    expect(wrong).toEqual(unknown);
  });
});

it('strips a named HTTP API stage from the path', async () => {
  const result = await webhook().call(httpApiEvent({ path: '/mutate', stage: 'prod', body: reviewBody() }));
  expect(result.statusCode).toBe(200);
});

// ---- Transport errors ----

describe.each(flavours)('transport errors through %s events', (_name, event) => {
  const notReview = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
  it.each([
    ['no body', { body: null }, 400, /empty/],
    ['empty body', { body: '' }, 400, /empty/],
    ['not JSON', { body: '{"apiVersion":' }, 400, /not valid JSON/],
    ['wrong content type', { body: reviewBody(), contentType: 'text/plain' }, 415, /application\/json/],
    ['no content type', { body: reviewBody(), contentType: null }, 415, /application\/json/],
    ['JSON that is not a review', { body: notReview }, 400, /request/],
    ['JSON array', { body: '[]' }, 400, /AdmissionReview/],
    ['invalid base64', { body: '%%%not-base64', isBase64Encoded: true }, 400, /base64/],
    [
      'base64 of non-UTF-8 bytes',
      { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), isBase64Encoded: true },
      400,
      /UTF-8/,
    ],
  ] as const)('%s → %i', async (_label, parts, status, message) => {
    // Act
    const result = await webhook().call(event({ path: '/mutate', ...parts }));
    // Assess
    expect(result.statusCode).toBe(status);
    expect(String(parseBody(result).message)).toMatch(message);
  });

  it('accepts a charset parameter on the content type', async () => {
    const result = await webhook().call(
      event({ body: reviewBody(), contentType: 'application/json; charset=utf-8' }),
    );
    expect(result.statusCode).toBe(200);
  });

  it('answers 413 over the body limit, plain or base64', async () => {
    const hook = webhook({ env: { MAX_BODY_BYTES: '1024' } });
    const big = JSON.stringify({ ...REVIEW, padding: 'x'.repeat(2048) });
    for (const parts of [
      { body: big },
      { body: Buffer.from(big).toString('base64'), isBase64Encoded: true },
    ]) {
      const result = await hook.call(event(parts));
      expect(result.statusCode).toBe(413);
      expect(String(parseBody(result).message)).toMatch(/limit/);
    }
  });

  it('decodes isBase64Encoded bodies', async () => {
    const plain = await webhook().call(event({ body: reviewBody() }));
    const encoded = await webhook().call(
      event({ body: Buffer.from(reviewBody()).toString('base64'), isBase64Encoded: true }),
    );
    expect(encoded).toEqual(plain);
  });
});

it('rejects an event that is not from API Gateway', async () => {
  const result = await webhook().call({ hello: 'world' } as unknown as ApiGatewayEvent);
  expect(result.statusCode).toBe(400);
});

// ---- Reviews ----

describe('mutate', () => {
  it('rewrites the pod, echoes uid and apiVersion, and the patch applies', async () => {
    // Act
    const result = await webhook().call(restEvent({ body: reviewBody() }));
    // Assess
    expect(result.statusCode).toBe(200);
    const response = parseBody(result) as unknown as ReviewResponse;
    const request = REVIEW.request as { uid: string };
    expect(response.apiVersion).toBe(REVIEW.apiVersion);
    expect(response.kind).toBe('AdmissionReview');
    expect(response.response.uid).toBe(request.uid);
    expect(response.response.allowed).toBe(true);
    expect(response.response.patchType).toBe('JSONPatch');
    expect(response.response.patch).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(applyResponse(REVIEW, response)).toEqual(loadFixture('api/review-pod.expected-pod.json'));
  });

  it('echoes a v1beta1 review', async () => {
    const review = { ...REVIEW, apiVersion: 'admission.k8s.io/v1beta1' };
    const response = parseBody(await webhook().call(restEvent({ body: reviewBody(review) })));
    expect(response.apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it('is idempotent: the patched pod gets no patch', async () => {
    const hook = webhook();
    const first = parseBody(await hook.call(restEvent({ body: reviewBody() }))) as unknown as ReviewResponse;
    const again = structuredClone(REVIEW) as { request: { object: unknown; uid: string } };
    again.request.object = applyResponse(REVIEW, first);
    again.request.uid = '0df28fbd-5f5f-4d29-a2e3-4cf4b1d3a9b2';
    const second = parseBody(
      await hook.call(restEvent({ body: reviewBody(again) })),
    ) as unknown as ReviewResponse;
    expect(second.response.uid).toBe(again.request.uid);
    expect(second.response.patch).toBeUndefined();
    expect(second.response.patchType).toBeUndefined();
  });

  it('returns no patch in observe mode, but still reports', async () => {
    const observed = parseMappings({ ...(MAPPINGS_DOC as object), mode: 'observe' });
    if (!observed.ok) throw observed.error;
    const hook = webhook({ mappings: fixedSource(observed.value) });
    const response = parseBody(
      await hook.call(restEvent({ body: reviewBody() })),
    ) as unknown as ReviewResponse;
    expect(response.response.allowed).toBe(true);
    expect(response.response.patch).toBeUndefined();
    expect(response.response.warnings?.join(' ')).toMatch(/observe/);
  });

  it('allows unchanged with a warning, and counts it, when no mappings were ever loaded', async () => {
    const hook = webhook({ mappings: fixedSource(undefined, 'SSM parameter /x: ThrottlingException') });
    const response = parseBody(
      await hook.call(restEvent({ body: reviewBody() })),
    ) as unknown as ReviewResponse;
    expect(response.response.allowed).toBe(true);
    expect(response.response.patch).toBeUndefined();
    expect(response.response.warnings?.[0]).toMatch(/no registry mappings/);
    expect(emittedMetrics()[MetricName.ReviewsWithoutMappings]).toBe(1);
  });

  it.each([
    ['fail-open (default)', {}, true],
    ['fail-closed', { FAIL_CLOSED: 'true' }, false],
  ] as const)('answers an internal error %s, counted', async (_label, env, allowedExpected) => {
    // Prepare: a source that breaks its own contract (current() never rejects) stands in for any bug.
    const broken: MappingsSource<Mappings> = {
      ...fixedSource(MAPPINGS),
      current: () => Promise.reject(new Error('boom')),
    };
    // Act
    const result = await webhook({ env, mappings: broken }).call(restEvent({ body: reviewBody() }));
    // Assess
    expect(result.statusCode).toBe(200);
    const response = parseBody(result) as unknown as ReviewResponse;
    expect(response.response.uid).toBe((REVIEW.request as { uid: string }).uid);
    expect(response.response.allowed).toBe(allowedExpected);
    expect(response.response.patch).toBeUndefined();
    if (!allowedExpected) expect(response.response.status?.code).toBe(500);
    expect(emittedMetrics()[MetricName.ReviewErrors]).toBe(1);
  });
});

describe('validate', () => {
  it.each([
    ['warn', true],
    ['deny', false],
  ] as const)('VALIDATE_MODE=%s on an unproxied pod', async (mode, allowedExpected) => {
    const hook = webhook({ env: { VALIDATE_MODE: mode } });
    const result = await hook.call(restEvent({ path: '/validate', body: reviewBody() }));
    const response = parseBody(result) as unknown as ReviewResponse;
    expect(response.response.allowed).toBe(allowedExpected);
    expect(response.response.patch).toBeUndefined();
    if (mode === 'deny') {
      expect(response.response.status?.code).toBe(403);
      expect(response.response.status?.message).toMatch(/quay\.io\/unknown\/thing/);
      expect(emittedMetrics()[MetricName.ReviewsDenied]).toBe(1);
    } else {
      // Every image that does not go through a proxy, each warning whole under the apiserver's 120 characters.
      expect(response.response.warnings).toEqual([
        'init:migrate: no proxy mapping for quay.io/unknown/thing:1.0; pulled from upstream',
        'web: nginx:1.27 is not pulled through its proxy',
        `tool: ghcr.io/org/tool:v1@sha256:${'0123456789abcdef'.repeat(4)} is not pulled through…`,
      ]);
    }
  });
});

// ---- Health ----

describe('healthz', () => {
  it('reports the mappings revision and age, and nothing secret', async () => {
    const result = await webhook().call(restEvent({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(200);
    const body = parseBody(result) as { status: string; mappings: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(body.mappings).toMatchObject({
      loaded: true,
      version: 1,
      revision: MAPPINGS.revision,
      ageSeconds: 1,
    });
    expect(result.headers?.['cache-control']).toBe('no-store');
  });

  it('answers 503 until mappings were loaded once', async () => {
    const hook = webhook({ mappings: fixedSource(undefined, 'SSM parameter /x: ParameterNotFound') });
    const result = await hook.call(restEvent({ method: 'GET', path: '/healthz' }));
    expect(result.statusCode).toBe(503);
    const body = parseBody(result) as { status: string; mappings: { lastError: string } };
    expect(body.status).toBe('unavailable');
    expect(body.mappings.lastError).toMatch(/ParameterNotFound/);
  });
});

// ---- Telemetry ----

describe('telemetry', () => {
  it('logs one line per review with identifiers and images, and never the pod spec', async () => {
    // Prepare: the fixture pod carries a secret in env values, a command and an annotation.
    const secret = 'hunter2-SECRET-VALUE';
    expect(reviewBody()).toContain(secret);
    // Act
    await webhook().call(restEvent({ body: reviewBody() }));
    await webhook({ env: { VALIDATE_MODE: 'deny' } }).call(
      restEvent({ path: '/validate', body: reviewBody() }),
    );
    // Assess
    const all = output.join('');
    expect(all).not.toContain(secret);
    const reviews = jsonLines().filter((line) => line.message === 'review');
    expect(reviews).toHaveLength(2);
    const request = REVIEW.request as { uid: string; namespace: string };
    expect(reviews[0]).toMatchObject({
      level: 'INFO',
      endpoint: 'mutate',
      uid: request.uid,
      namespace: request.namespace,
      operation: 'CREATE',
      patched: true,
      mappingsRevision: MAPPINGS.revision,
      unmapped: ['quay.io/unknown/thing:1.0'],
    });
    const decisions = reviews[0]?.decisions as {
      container: string;
      decision: string;
      input: string;
      image: string;
    }[];
    expect(decisions.map((d) => d.decision).sort()).toEqual([
      'ignored',
      'rewritten',
      'rewritten',
      'unmapped',
    ]);
  });

  it('emits EMF metrics in the DockerProxyWebhook namespace, one count per decision', async () => {
    await webhook().call(restEvent({ body: reviewBody() }));
    expect(emittedMetrics()).toMatchObject({
      [MetricName.Reviews]: 1,
      [MetricName.ImagesRewritten]: 2,
      [MetricName.ImagesUnmapped]: 1,
      [MetricName.ImagesIgnored]: 1,
    });
  });
});

// ---- Property: whatever the body, a 4xx with a message or a valid AdmissionReview ----

describe('never throws on arbitrary bodies', () => {
  const hook = webhook();
  const uid = (REVIEW.request as { uid: string }).uid;
  const mutatedReview = fc
    .record({
      path: fc.constantFrom(
        'apiVersion',
        'kind',
        'request',
        'request.uid',
        'request.object',
        'request.operation',
      ),
      value: fc.jsonValue(),
    })
    .map(({ path, value }) => {
      const review = structuredClone(REVIEW) as Record<string, unknown>;
      const keys = path.split('.');
      let target = review as Record<string, unknown>;
      for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
      target[keys.at(-1) as string] = value;
      return JSON.stringify(review);
    });
  const body = fc.oneof(fc.string(), fc.json(), mutatedReview, fc.constant(reviewBody()));

  it('answers every body with a JSON 4xx message or a 200 AdmissionReview echoing the uid', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, base64) => {
        const event = restEvent({
          body: base64 ? Buffer.from(text).toString('base64') : text,
          isBase64Encoded: base64,
        });
        const result = await hook.call(event);
        const parsed = parseBody(result);
        if (result.statusCode === 200) {
          const response = parsed as unknown as ReviewResponse;
          expect(response.kind).toBe('AdmissionReview');
          expect(typeof response.response.uid).toBe('string');
          expect(typeof response.response.allowed).toBe('boolean');
          if (text === reviewBody()) expect(response.response.uid).toBe(uid);
        } else {
          expect(result.statusCode).toBeGreaterThanOrEqual(400);
          expect(result.statusCode).toBeLessThan(500);
          expect(typeof parsed.message).toBe('string');
          expect(String(parsed.message)).not.toMatch(/\n\s+at /); // no stack traces
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
