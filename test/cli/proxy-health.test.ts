import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { refusedHost } from '../helpers/fake-registry.ts';

/** `rewrite` and `review` with health-checked proxies: assumed up, assumed down, or probed live. */

function mappingsFile(proxyHost: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpw-cli-health-'));
  const path = join(dir, 'mappings.json');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      healthCheck: true,
      registries: {
        'docker.io': `${proxyHost}/hub`,
        'ghcr.io': { proxy: 'nodes-only.example.com/ghcr', healthCheck: false },
      },
    }),
  );
  return path;
}

describe('rewrite with health-checked proxies', () => {
  it('assumes every proxy up by default (offline): the decisions of a healthy day', async () => {
    const run = await runCli(['rewrite', '--mappings', mappingsFile('harbor.example.com'), 'nginx:1.27']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rewritten +nginx:1\.27 -> harbor\.example\.com\/hub\/library\/nginx:1\.27/);
    expect(run.stderr).toBe('proxy harbor.example.com: up (assumed up (use --probe to check))\n');
  });

  it('--proxy-down previews the fallback: proxy-unavailable, image unchanged', async () => {
    const file = mappingsFile('harbor.example.com');
    const run = await runCli([
      'rewrite',
      '--mappings',
      file,
      '--json',
      '--proxy-down',
      'harbor.example.com',
      'nginx:1.27',
      'ghcr.io/a/b:1',
    ]);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        input: 'nginx:1.27',
        decision: 'proxy-unavailable',
        image: 'nginx:1.27',
        normalized: 'docker.io/library/nginx:1.27',
        pullSecret: null,
        reason: 'proxy harbor.example.com is down; registries["docker.io"] falls back to upstream',
        proxy: 'harbor.example.com',
      },
      expect.objectContaining({ decision: 'rewritten', image: 'nodes-only.example.com/ghcr/a/b:1' }),
    ]);
    expect(run.stderr).toBe('proxy harbor.example.com: down (assumed down (--proxy-down))\n');
  });

  it('--probe probes from this machine: a refused connection is down', async () => {
    const host = await refusedHost();
    const run = await runCli(['rewrite', '--mappings', mappingsFile(host), '--probe', 'nginx:1.27']);
    expect(run.stdout).toMatch(/^proxy-unavailable +nginx:1\.27 {2}\(proxy 127\.0\.0\.1:\d+ is down/);
    expect(run.stderr).toBe(`proxy ${host}: down (connection: ECONNREFUSED)\n`);
  });
});

describe('review with health-checked proxies', () => {
  it('--proxy-down: no patch, the kubectl warning names the proxy', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u1',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        operation: 'CREATE',
        object: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    };
    const run = await runCli(
      ['review', '--mappings', mappingsFile('harbor.example.com'), '--proxy-down', 'harbor.example.com', '-'],
      { stdin: JSON.stringify(review) },
    );
    expect(run.code).toBe(0);
    const response = JSON.parse(run.stdout).response;
    expect(response.patch).toBeUndefined();
    expect(response.warnings).toEqual([
      'web: proxy harbor.example.com is down; nginx:1.27 pulled from upstream',
    ]);
    expect(run.stderr).toContain('containers/web: proxy-unavailable nginx:1.27\n');
  });
});
