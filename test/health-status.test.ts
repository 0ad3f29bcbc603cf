import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../lambda/config.ts';
import { createHandler } from '../lambda/create-handler.ts';
import { startLocalServer } from '../lambda/local/server.ts';
import { type Mappings, parseMappingsJson } from '../lambda/mappings/parse.ts';
import { createMappingsSource } from '../lambda/mappings/source.ts';
import { createTelemetry } from '../lambda/telemetry.ts';
import { lambdaContext, restEvent } from './helpers/events.ts';
import { loadFixture } from './helpers/fixtures.ts';
import { captureOutput } from './helpers/output.ts';

/** `GET /healthz`: `status` follows the last load attempt (README "GET /healthz"). */

const GOOD = JSON.stringify(loadFixture('api/mappings.json'));
const BAD = JSON.stringify({ version: 1, registries: { 'docker.io': 'https://x' } });
const BAD_MESSAGE = 'registries["docker.io"]: "https://x" is not a registry prefix; write host[:port][/path]';
const TTL_MS = 60_000;

afterEach(() => vi.restoreAllMocks());

/** The real handler over a source whose text and clock the test sets: each load returns `text` or throws it. */
function healthz() {
  captureOutput();
  let clock = 1_000_000;
  const state: { text: string | Error } = { text: GOOD };
  const mappings = createMappingsSource<Mappings>({
    load: async () => {
      if (state.text instanceof Error) throw state.text;
      return state.text;
    },
    parse: parseMappingsJson,
    ttlMs: TTL_MS,
    loadTimeoutMs: 1_000,
    retryAfterMs: 0,
    now: () => clock,
  });
  const handler = createHandler({
    config: readConfig({ MAPPINGS_FILE: 'unused.json' }),
    mappings,
    telemetry: createTelemetry(),
    pathToken: async () => undefined,
  });
  return {
    state,
    advance: (ms: number) => {
      clock += ms;
    },
    get: async () => {
      const result = await handler(restEvent({ method: 'GET', path: '/healthz' }), lambdaContext());
      return { code: result.statusCode, body: JSON.parse(result.body) };
    },
  };
}

describe('GET /healthz status', () => {
  it('is ok after an idle period longer than the TTL with no failure (the refresh runs in the check)', async () => {
    const h = healthz();
    expect((await h.get()).body.status).toBe('ok');
    h.advance(10 * TTL_MS);
    const { code, body } = await h.get();
    expect(code).toBe(200);
    expect(body).toMatchObject({ status: 'ok', mappings: { loaded: true, stale: false, ageSeconds: 0 } });
    expect(body.mappings.lastError).toBeUndefined();
  });

  it.each([
    ['an invalid document', BAD, BAD_MESSAGE],
    ['a fetch error', new Error('ThrottlingException: Rate exceeded'), 'ThrottlingException: Rate exceeded'],
  ])(
    'is degraded, with lastError, when the last attempt failed (%s); ok again after a success',
    async (_n, broken, message) => {
      const h = healthz();
      await h.get();
      h.state.text = broken;
      h.advance(TTL_MS);
      const degraded = await h.get();
      expect(degraded.code).toBe(200);
      expect(degraded.body).toMatchObject({
        status: 'degraded',
        mappings: { loaded: true, stale: false, ageSeconds: 60, lastError: message },
      });
      h.state.text = GOOD;
      h.advance(1_000);
      expect((await h.get()).body).toMatchObject({ status: 'ok', mappings: { stale: false, ageSeconds: 0 } });
    },
  );

  it('is unavailable (503) while no mappings were ever loaded', async () => {
    const h = healthz();
    h.state.text = new Error('ParameterNotFound');
    const { code, body } = await h.get();
    expect(code).toBe(503);
    expect(body).toMatchObject({
      status: 'unavailable',
      mappings: { loaded: false, stale: false, lastError: 'ParameterNotFound' },
    });
  });

  it('local server: a rejected file change makes it degraded with the JSON path; the fix makes it ok', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-health-'));
    const file = join(dir, 'mappings.json');
    writeFileSync(file, GOOD);
    const server = await startLocalServer({
      port: 0,
      cwd: dir,
      tlsDir: mkdtempSync(join(tmpdir(), 'dpw-health-tls-')),
      telemetry: createTelemetry(),
    });
    captureOutput();
    const get = async () =>
      JSON.parse(
        (await server.handler(restEvent({ method: 'GET', path: '/healthz' }), lambdaContext())).body,
      );
    try {
      writeFileSync(file, BAD);
      await vi.waitFor(() => expect(server.dependencies.mappings.peek().lastError).toBe(BAD_MESSAGE), {
        timeout: 5_000,
        interval: 20,
      });
      expect(await get()).toMatchObject({
        status: 'degraded',
        mappings: { loaded: true, lastError: BAD_MESSAGE },
      });
      writeFileSync(file, GOOD);
      await vi.waitFor(() => expect(server.dependencies.mappings.peek().lastError).toBeUndefined(), {
        timeout: 5_000,
        interval: 20,
      });
      expect(await get()).toMatchObject({ status: 'ok' });
    } finally {
      await server.close();
    }
  });
});
