import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalServer, startLocalServer } from '../../lambda/local/server.ts';
import { createTelemetry } from '../../lambda/telemetry.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { FIXTURES_DIR, loadFixture } from '../helpers/fixtures.ts';
import { httpsCall } from '../helpers/https-client.ts';

const TOKEN = 'abuse-token-0123456789abcdef';
const SECRET = 'hunter2-SECRET-VALUE';
const REVIEW = loadFixture<Record<string, unknown>>('api/review-pod.json');

let server: LocalServer;
let output: string[] = [];
beforeAll(async () => {
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  server = await startLocalServer({
    port: 0,
    tlsDir: mkdtempSync(join(tmpdir(), 'dpw-abuse-tls-')),
    mappingsFile: join(FIXTURES_DIR, 'api/mappings.json'),
    env: { PATH_TOKEN: TOKEN, POWERTOOLS_METRICS_DISABLED: 'true' },
    // Telemetry created after the spies, so its console writes through them.
    telemetry: createTelemetry(),
  });
  await server.dependencies.mappings.current();
});
afterAll(async () => {
  await server.close();
  vi.restoreAllMocks();
});

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}
/** One call, without the `date` header so replies compare equal. */
async function send(path: string, body: string | Buffer, agent?: Agent, method = 'POST'): Promise<Reply> {
  const reply = await httpsCall(`${server.url}${path}`, { method, ca: server.caPem, agent, body });
  const { date: _date, ...headers } = reply.headers;
  return { ...reply, headers };
}

describe('path token', () => {
  const review = JSON.stringify(REVIEW);

  it('a wrong or missing token answers exactly like an unknown route', async () => {
    const unknown = await send('/no/such/route', review);
    expect(unknown.status).toBe(404);
    const wrongs = [
      '/mutate',
      `/${TOKEN.slice(0, -1)}x/mutate`,
      `/${TOKEN.toUpperCase()}/mutate`,
      `/${TOKEN}x/mutate`,
      `/${TOKEN.slice(0, 4)}/mutate`,
      `/x/${TOKEN}/mutate`,
      `/mutate?token=${TOKEN}`,
      `/${encodeURIComponent(`${TOKEN} `)}/mutate`,
      `//${TOKEN}/mutate`,
    ];
    for (const path of wrongs) {
      expect([path, await send(path, review)]).toEqual([path, unknown]);
    }
    expect((await send(`/${TOKEN}/mutate`, review)).status).toBe(200);
  });

  it('the token never reaches the logs', async () => {
    output = [];
    await send(`/${TOKEN}/mutate`, review);
    await send(`/${TOKEN}x/mutate`, review);
    expect(output.join('')).not.toContain(TOKEN);
  });
});

describe('floods', () => {
  it('thousands of concurrent requests, oversized ones included: all answered, memory bounded, still serving', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 128, ca: server.caPem });
    const review = JSON.stringify(REVIEW);
    const big = Buffer.alloc(7 * 1024 * 1024, 0x20);
    const before = process.memoryUsage().heapUsed;
    const statuses = new Map<number, number>();
    const jobs = Array.from({ length: 3_000 }, (_, i) =>
      i % 500 === 0
        ? send(`/${TOKEN}/mutate`, big)
        : send(i % 3 === 0 ? '/flood' : `/${TOKEN}/mutate`, review, agent),
    );
    for (const reply of await Promise.all(jobs))
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    agent.destroy();
    expect(statuses).toEqual(
      new Map([
        [200, 1_996],
        [404, 998],
        [413, 6],
      ]),
    );
    (globalThis as { gc?: () => void }).gc?.();
    // Generous: the point is "bounded", not a number; an unbounded buffer of 3000 bodies would be far above.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    expect((await send(`/${TOKEN}/healthz`, '', undefined, 'GET')).status).toBe(200);
  }, 60_000);
});

describe('secrets in pod specs', () => {
  it('never appear in any log line, whatever the endpoint or outcome', async () => {
    output = [];
    const withSecretEverywhere = structuredClone(REVIEW) as { request: Record<string, unknown> };
    (withSecretEverywhere.request.object as Record<string, unknown>).metadata = {
      name: 'p',
      annotations: { token: SECRET },
      labels: { l: SECRET },
    };
    const review = JSON.stringify(withSecretEverywhere);
    await send(`/${TOKEN}/mutate`, review);
    await send(`/${TOKEN}/validate`, review);
    // A malformed review holding the secret: a 400 to the caller, nothing in the logs.
    await send(`/${TOKEN}/mutate`, review.replace('"CREATE"', `{"op":"${SECRET}"}`));
    await server.handler(
      restEvent({
        path: `/${TOKEN}/mutate`,
        body: review.replace('"apiVersion":"v1"', `"apiVersion":"${SECRET}"`),
      }),
      lambdaContext(),
    );
    const logs = output.join('');
    expect(logs).toContain('"message":"review"');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain('hunter2');
  });
});
