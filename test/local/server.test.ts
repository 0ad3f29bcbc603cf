import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderWebhookConfigurations } from '../../lambda/cluster/webhook-config.ts';
import { ensureLocalCertificates } from '../../lambda/local/certs.ts';
import {
  APISERVER_IDLE_CONNECTION_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  type LocalServer,
  type LocalServerOptions,
  startLocalServer,
} from '../../lambda/local/server.ts';
import { lambdaContext, restEvent } from '../helpers/events.ts';
import { FIXTURES_DIR, loadFixture } from '../helpers/fixtures.ts';
import { httpsCall as call } from '../helpers/https-client.ts';

const ROOT = join(FIXTURES_DIR, '..', '..');
const REVIEW = JSON.stringify(loadFixture('api/review-pod.json'));
const doc = (proxy: string) => JSON.stringify({ version: 1, registries: { 'docker.io': proxy } });

// One CA for the suite (key generation is the slow part); each test gets its own server.
let tlsDir: string;
beforeAll(() => {
  tlsDir = mkdtempSync(join(tmpdir(), 'dpw-tls-'));
  ensureLocalCertificates(tlsDir);
});

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.restoreAllMocks();
});

async function start(options: LocalServerOptions = {}): Promise<LocalServer> {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const server = await startLocalServer({ host: '127.0.0.1', port: 0, tlsDir, ...options });
  servers.push(server);
  return server;
}

describe('npm start: the local HTTPS server', () => {
  it('serves the webhook to a client that verifies the generated CA', async () => {
    const server = await start();
    const health = await call(`${server.url}/healthz`, { ca: server.caPem });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', mappings: { loaded: true } });
    const reply = await call(`${server.url}/mutate`, { ca: server.caPem, body: REVIEW });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).response.patchType).toBe('JSONPatch');
  });

  it('is refused by a client trusting another CA', async () => {
    const server = await start();
    const other = ensureLocalCertificates(mkdtempSync(join(tmpdir(), 'dpw-tls-other-')));
    await expect(call(`${server.url}/healthz`, { ca: other.ca })).rejects.toThrow(
      /certificate|self.signed|verify/i,
    );
  });

  it('answers byte for byte what the Lambda handler answers for the same event', async () => {
    const server = await start();
    for (const [path, body] of [
      ['/mutate', REVIEW],
      ['/validate', REVIEW],
      ['/mutate', '{"not":"a review"}'],
      ['/nowhere', REVIEW],
    ] as const) {
      const reply = await call(`${server.url}${path}`, { ca: server.caPem, body });
      const direct = await server.handler(restEvent({ path, body }), lambdaContext());
      expect([path, reply.status, reply.body]).toEqual([path, direct.statusCode, direct.body]);
      expect(reply.headers['content-type']).toBe(direct.headers?.['content-type']);
    }
  });

  it('answers concurrent requests, each with its own uid', async () => {
    const server = await start();
    const review = JSON.parse(REVIEW);
    const replies = await Promise.all(
      Array.from({ length: 25 }, (_, i) => {
        const body = JSON.stringify({ ...review, request: { ...review.request, uid: `uid-${i}` } });
        return call(`${server.url}/mutate`, { ca: server.caPem, body });
      }),
    );
    expect(replies.map((r) => JSON.parse(r.body).response.uid)).toEqual(
      Array.from({ length: 25 }, (_, i) => `uid-${i}`),
    );
  });

  it('picks up a changed mappings file at once, and keeps the last good one when the new one is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-watch-'));
    const file = join(dir, 'mappings.json');
    writeFileSync(file, doc('one.example.com/hub'));
    const server = await start({ cwd: dir });
    expect(server.mappingsFile).toBe(file);
    const revision = async () =>
      JSON.parse((await call(`${server.url}/healthz`, { ca: server.caPem })).body).mappings;
    const first = (await revision()).revision;
    writeFileSync(file, doc('two.example.com/hub'));
    await vi.waitFor(async () => expect((await revision()).revision).not.toBe(first), {
      timeout: 5_000,
      interval: 50,
    });
    const second = (await revision()).revision;
    writeFileSync(file, doc('https://broken'));
    await vi.waitFor(async () => expect((await revision()).lastError).toMatch(/registries\["docker\.io"\]/), {
      timeout: 5_000,
      interval: 50,
    });
    expect((await revision()).revision).toBe(second);
  });

  it('lets in-flight requests finish on shutdown', async () => {
    const server = await start();
    let release!: () => void;
    const slowBody = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pending = call(`${server.url}/mutate`, { ca: server.caPem, body: REVIEW, slowBody });
    await new Promise((resolve) => setTimeout(resolve, 100));
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    release();
    const reply = await pending;
    await closing;
    expect(reply.status).toBe(200);
    expect(closed).toBe(true);
    servers.splice(servers.indexOf(server), 1);
  });

  it('serves under the path token when PATH_TOKEN is set', async () => {
    const token = 'local-token-0123456789';
    const server = await start({ env: { PATH_TOKEN: token } });
    expect((await call(`${server.url}/mutate`, { ca: server.caPem, body: REVIEW })).status).toBe(404);
    expect((await call(`${server.url}/${token}/mutate`, { ca: server.caPem, body: REVIEW })).status).toBe(
      200,
    );
  });

  it('answers 413 above MAX_BODY_BYTES without buffering the rest', async () => {
    const server = await start({ env: { MAX_BODY_BYTES: '1000' } });
    const reply = await call(`${server.url}/mutate`, { ca: server.caPem, body: REVIEW });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).message).toMatch(/^request body is \d+ bytes; the limit is 1000 bytes$/);
  });

  it('routes on the path as sent: //evil/mutate is not /mutate (404)', async () => {
    const server = await start();
    for (const path of ['//evil/mutate', '//evil/healthz', '//mutate']) {
      const reply = await call(`${server.url}${path}`, { ca: server.caPem, body: REVIEW });
      expect([path, reply.status]).toEqual([path, 404]);
    }
    expect((await call(`${server.url}/mutate?timeout=10s`, { ca: server.caPem, body: REVIEW })).status).toBe(
      200,
    );
  });

  it('answers HEAD /healthz like GET, without a body', async () => {
    const server = await start();
    const head = await call(`${server.url}/healthz`, { ca: server.caPem, method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe('application/json');
    const wrong = await call(`${server.url}/mutate`, { ca: server.caPem, method: 'HEAD' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
  });

  it('advertises an IPv6 host in brackets in the URL, and as an IP SAN in the certificate', async () => {
    for (const given of ['fd00:10:244::1', '[fd00:10:244::2]']) {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'dpw-tls-v6-'));
      const address = given.replace(/[[\]]/g, '');

      // Act
      const server = await start({ tlsDir: dir, advertiseHost: given });

      // Assess
      expect(server.advertisedUrl).toBe(`https://[${address}]:${server.port}`);
      const cert = new X509Certificate(readFileSync(join(dir, 'server.pem')));
      expect(cert.checkIP(address)).toBe(address);
      expect(cert.subjectAltName).not.toContain('DNS:[');
      expect(() =>
        renderWebhookConfigurations({ mutateUrl: `${server.advertisedUrl}/mutate`, caPem: server.caPem }),
      ).not.toThrow();
    }
    const named = await start({ advertiseHost: '10.1.2.3' });
    expect(named.advertisedUrl).toBe(`https://10.1.2.3:${named.port}`);
  });

  it.each(['https://host', 'host:8443', 'host/path', 'fe80::1%eth0', ''])(
    'refuses --advertise-host %j with a one-line error',
    async (host) => {
      await expect(start({ advertiseHost: host })).rejects.toThrow(
        `--advertise-host ${JSON.stringify(host)} is not a host name or an IP address`,
      );
    },
  );

  it('keeps an idle keep-alive connection open longer than the apiserver keeps it (90 s)', async () => {
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(APISERVER_IDLE_CONNECTION_MS);
    const server = await start();
    // A client that keeps idle connections forever: whether one survives is up to the server.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await call(`${server.url}/healthz`, { ca: server.caPem, agent });
      expect(first.reusedSocket).toBe(false);
      // Longer than Node's default keepAliveTimeout (5 s), which closed it before.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const second = await call(`${server.url}/healthz`, { ca: server.caPem, agent });
      expect(second.status).toBe(200);
      expect(second.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  }, 15_000);

  it('explains a busy port and an unreadable certificate', async () => {
    const server = await start();
    await expect(start({ port: server.port })).rejects.toThrow(
      `port ${server.port} on 127.0.0.1 is already in use; pick another with --port N (or PORT=N)`,
    );
    await expect(
      start({ certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' }),
    ).rejects.toThrow(/cannot read the certificate \/nonexistent\/cert\.pem/);
    const dir = mkdtempSync(join(tmpdir(), 'dpw-badcert-'));
    writeFileSync(join(dir, 'cert.pem'), 'not a certificate');
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    await expect(start({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') })).rejects.toThrow(
      /the certificate and key cannot be used together/,
    );
  });
});

describe('local certificates', () => {
  it('are reused, and the serving certificate is renewed (same CA) when a new name is asked for', () => {
    const again = ensureLocalCertificates(tlsDir);
    expect(again.generated).toBe(false);
    const withSan = ensureLocalCertificates(tlsDir, ['webhook.test', '10.1.2.3']);
    expect(withSan.generated).toBe(true);
    expect(withSan.ca).toBe(again.ca);
    expect(ensureLocalCertificates(tlsDir, ['webhook.test', '10.1.2.3']).generated).toBe(false);
  });
});

describe('npm start (the process)', () => {
  it('prints URL and CA on lines of their own and a configuration with the CA bundle, and stops on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dpw-start-'));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'lambda/cli/bin.mjs'), 'serve', '--port', '0', '--write-config', 'webhook.yaml'],
      {
        cwd: ROOT,
        env: { ...process.env, INIT_CWD: cwd },
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    await vi.waitFor(() => expect(stdout).toMatch(/\nkind: MutatingWebhookConfiguration/), {
      timeout: 20_000,
      interval: 50,
    });
    const url = /^URL: (https:\/\/\S+)$/m.exec(stdout)?.[1];
    const caPath = /^CA: (\S+)$/m.exec(stdout)?.[1];
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(caPath).toMatch(/\.local\/tls\/ca\.pem$/);
    expect(stdout).toMatch(/caBundle: [A-Za-z0-9+/]+=*/);
    await vi.waitFor(() => expect(stdout).toContain(`Config: ${join(cwd, 'webhook.yaml')}`), {
      timeout: 5_000,
    });
    const { parseAllDocuments } = await import('yaml');
    const written = parseAllDocuments(readFileSync(join(cwd, 'webhook.yaml'), 'utf8'))[0]?.toJS();
    expect(written.webhooks[0].clientConfig.url).toMatch(/^https:\/\/host\.docker\.internal:\d+\/mutate$/);
    const bundled = new X509Certificate(Buffer.from(written.webhooks[0].clientConfig.caBundle, 'base64'));
    expect(bundled.fingerprint256).toBe(new X509Certificate(readFileSync(caPath as string)).fingerprint256);
    const health = await call(`${url}/healthz`, { ca: readFileSync(caPath as string, 'utf8') });
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('prints a configuration for an IPv6 --advertise-host, without a stack trace', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dpw-start-v6-'));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'lambda/cli/bin.mjs'), 'serve', '--port', '0', '--advertise-host', 'fd00:10:244::1'],
      { cwd: ROOT, env: { ...process.env, INIT_CWD: cwd } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await vi.waitFor(() => expect(`${stdout}${stderr}`).toMatch(/url: https:\/\/\S+\/mutate|Error|error/), {
        timeout: 20_000,
        interval: 50,
      });
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stdout).toMatch(/url: https:\/\/\[fd00:10:244::1\]:\d+\/mutate$/m);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);
});
