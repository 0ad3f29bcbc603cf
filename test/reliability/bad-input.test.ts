import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayResult } from '../../lambda/api-gateway.ts';
import { type LocalServer, startLocalServer } from '../../lambda/local/server.ts';
import { BAD_CASES, type BadCase, bodyBytes, eventBody, LEAK } from '../helpers/bad-input.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { FIXTURES_DIR } from '../helpers/fixtures.ts';
import { httpsCall } from '../helpers/https-client.ts';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const HTTP_FUZZ_RUNS = Math.ceil(FUZZ_RUNS / 10);

let server: LocalServer;
beforeAll(async () => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  server = await startLocalServer({
    port: 0,
    tlsDir: mkdtempSync(join(tmpdir(), 'dpw-bad-tls-')),
    mappingsFile: join(FIXTURES_DIR, 'api/mappings.json'),
  });
  await server.dependencies.mappings.current();
});
afterAll(async () => {
  await server.close();
  vi.restoreAllMocks();
});

/** POSTs raw bytes as JSON; a fresh connection per call (see httpsCall). */
async function post(bytes: Buffer, path = '/mutate'): Promise<{ status: number; body: string }> {
  return await httpsCall(`${server.url}${path}`, { ca: server.caPem, body: bytes });
}

/** Every answer is a precise 4xx with a message, or a valid AdmissionReview echoing the uid. */
function assertAnswer(c: BadCase, status: number, text: string) {
  expect(text).not.toMatch(LEAK);
  const body = JSON.parse(text);
  expect(status).toBe(c.expect.status);
  if (status >= 400) {
    expect(typeof body.message).toBe('string');
    if (c.expect.message !== undefined) expect(body.message).toContain(c.expect.message);
    return;
  }
  expect(body).toMatchObject({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'bad-1' },
  });
  expect(body.response.allowed).toBe(c.expect.allowed);
  expect(body.response.patch !== undefined).toBe(c.expect.patch);
  for (const warning of body.response.warnings ?? []) expect(warning.length).toBeLessThanOrEqual(120);
  expect((body.response.warnings ?? []).length).toBeLessThanOrEqual(10);
  if (c.expect.warnings !== undefined)
    expect((body.response.warnings ?? []).join('\n')).toContain(c.expect.warnings);
}

describe('bad-input corpus through the handler (API Gateway events)', () => {
  it.each(BAD_CASES.map((c) => [c.name, c]))('%s', async (_name, c) => {
    const { body, isBase64Encoded } = eventBody(c);
    const result: ApiGatewayResult = await server.handler(
      restEvent({ body, isBase64Encoded }),
      lambdaContext(),
    );
    assertAnswer(c, result.statusCode, result.body);
  });
});

describe('bad-input corpus through the local HTTPS server', () => {
  it.each(BAD_CASES.filter((c) => c.isBase64Encoded !== true).map((c) => [c.name, c]))(
    '%s',
    async (_name, c) => {
      const reply = await post(bodyBytes(c));
      assertAnswer(c, reply.status, reply.body);
    },
  );

  it('non-UTF-8 bytes on the wire are a 400 naming the encoding', async () => {
    const reply = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).message).toBe('request body is not valid UTF-8');
  });
});

/** Bodies that are nearly AdmissionReviews: mutations of a real one, plus arbitrary JSON and bytes. */
const nearlyReview = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc
    .record({
      apiVersion: fc.oneof(
        fc.constant('admission.k8s.io/v1'),
        fc.constant('admission.k8s.io/v1beta1'),
        fc.jsonValue(),
      ),
      kind: fc.oneof(fc.constant('AdmissionReview'), fc.jsonValue()),
      request: fc.oneof(
        fc.record(
          {
            uid: fc.oneof(fc.uuid(), fc.jsonValue()),
            kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), fc.jsonValue()),
            resource: fc.oneof(fc.constant({ group: '', version: 'v1', resource: 'pods' }), fc.jsonValue()),
            subResource: fc.oneof(fc.constantFrom('ephemeralcontainers', 'status', ''), fc.jsonValue()),
            operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), fc.jsonValue()),
            namespace: fc.oneof(fc.string(), fc.jsonValue()),
            object: fc.oneof(
              fc.record({
                metadata: fc.oneof(
                  fc.record({ annotations: fc.dictionary(fc.string(), fc.string()) }),
                  fc.jsonValue(),
                ),
                spec: fc.oneof(
                  fc.record({
                    containers: fc.oneof(
                      fc.array(
                        fc.record({
                          name: fc.oneof(fc.string(), fc.jsonValue()),
                          image: fc.oneof(fc.string(), fc.jsonValue()),
                        }),
                      ),
                      fc.jsonValue(),
                    ),
                  }),
                  fc.jsonValue(),
                ),
              }),
              fc.jsonValue(),
            ),
            oldObject: fc.jsonValue(),
            dryRun: fc.oneof(fc.boolean(), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
    })
    .map((v) => JSON.stringify(v)),
);

function assertValidAnswer(status: number, text: string) {
  expect(text).not.toMatch(LEAK);
  const body = JSON.parse(text);
  if (status === 200) {
    expect(body.kind).toBe('AdmissionReview');
    expect(typeof body.response.uid).toBe('string');
    expect(body.response.allowed).toBe(true);
  } else {
    expect([400, 413]).toContain(status);
    expect(typeof body.message).toBe('string');
  }
}

describe('fuzzing', () => {
  it(`the handler answers ${FUZZ_RUNS} generated bodies with a 4xx message or a valid AdmissionReview`, async () => {
    await fc.assert(
      fc.asyncProperty(nearlyReview, fc.constantFrom('/mutate', '/validate'), async (body, path) => {
        const result = await server.handler(restEvent({ body, path }), lambdaContext());
        assertValidAnswer(result.statusCode, result.body);
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 120_000);

  it(`the local HTTPS server does the same at the HTTP boundary (${HTTP_FUZZ_RUNS} bodies, raw bytes too)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nearlyReview.map((s) => Buffer.from(s)),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        ),
        async (bytes) => {
          const reply = await post(bytes);
          assertValidAnswer(reply.status, reply.body);
        },
      ),
      { numRuns: HTTP_FUZZ_RUNS },
    );
  }, 120_000);
});
