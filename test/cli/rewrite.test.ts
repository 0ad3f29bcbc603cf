import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES_DIR } from '../helpers/fixtures.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const tempDir = () => mkdtempSync(join(tmpdir(), 'dpw-cli-'));

describe('rewrite --json', () => {
  it('prints one object per image with every field, in argument order', async () => {
    // Act
    const run = await runCli([
      'rewrite',
      '--json',
      'nginx:1.27',
      `ghcr.io/a/b@${DIGEST}`,
      'Nginx',
      'example.org/x',
    ]);

    // Assess
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        input: 'nginx:1.27',
        decision: 'rewritten',
        image: 'harbor.example.com/dockerhub/library/nginx:1.27',
        normalized: 'docker.io/library/nginx:1.27',
        pullSecret: 'docker-proxy-credentials',
        reason: 'registries["docker.io"]',
      },
      {
        input: `ghcr.io/a/b@${DIGEST}`,
        decision: 'rewritten',
        image: `harbor.example.com/ghcr/a/b@${DIGEST}`,
        normalized: `ghcr.io/a/b@${DIGEST}`,
        pullSecret: 'docker-proxy-credentials',
        reason: 'registries["ghcr.io"]',
      },
      {
        input: 'Nginx',
        decision: 'invalid',
        image: 'Nginx',
        pullSecret: null,
        reason: 'repository name must be lowercase',
      },
      {
        input: 'example.org/x',
        decision: 'unmapped',
        image: 'example.org/x',
        normalized: 'example.org/x',
        pullSecret: null,
        reason: 'no registries key matches example.org/x',
      },
    ]);
  });

  it('reads images from stdin, one per line, skipping blanks and # comments', async () => {
    const run = await runCli(['rewrite', '--json'], {
      stdin: '# base images\nnginx\n\n  quay.io/a/b:1  \r\n',
    });
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).input),
    ).toEqual(['nginx', 'quay.io/a/b:1']);
  });
});

describe('rewrite mappings selection', () => {
  it('uses ./mappings.json when present', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'mappings.json'),
      JSON.stringify({ version: 1, registries: { 'docker.io': 'local.example.com/hub' } }),
    );
    const run = await runCli(['rewrite', 'nginx'], { cwd });
    expect(run.stdout).toMatch(
      /^rewritten\s+nginx -> local\.example\.com\/hub\/library\/nginx\s+\(registries\["docker\.io"\]\)\n$/,
    );
  });

  it('uses --mappings over ./mappings.json', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'mappings.json'),
      JSON.stringify({ version: 1, registries: { 'quay.io': 'a.example.com/q' } }),
    );
    writeFileSync(
      join(cwd, 'other.json'),
      JSON.stringify({ version: 1, registries: { 'quay.io': 'b.example.com/q' } }),
    );
    const run = await runCli(['rewrite', '--mappings', 'other.json', 'quay.io/a/b'], { cwd });
    expect(run.stdout).toMatch(/^rewritten\s+quay\.io\/a\/b -> b\.example\.com\/q\/a\/b /);
  });

  it('falls back to the shipped example', async () => {
    const run = await runCli(['rewrite', 'example.org/x'], { cwd: tempDir() });
    expect(run.stdout).toMatch(
      /^unmapped\s+example\.org\/x\s+\(no registries key matches example\.org\/x\)\n$/,
    );
  });

  it('exits 2 with the validation message when the mappings are invalid', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'bad.json'),
      JSON.stringify({ version: 1, registries: { 'ghcr.io': 'https://x' } }),
    );
    const run = await runCli(['rewrite', '--mappings', 'bad.json', 'nginx'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `rewrite: ${join(cwd, 'bad.json')}: registries["ghcr.io"]: "https://x" is not a registry prefix; write host[:port][/path]\n`,
    );
  });

  it('exits 2 on an unknown option, with usage', async () => {
    const run = await runCli(['rewrite', '--jsn', 'nginx']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--jsn'[\s\S]*usage: docker-proxy-webhook rewrite/);
  });
});

describe('npx docker-proxy-webhook', () => {
  it('runs the bin from the package (as npx does on a fresh clone)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['lambda/cli/bin.mjs', 'rewrite', '--json', 'nginx'],
      {
        cwd: join(FIXTURES_DIR, '..', '..'),
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      decision: 'rewritten',
      image: 'harbor.example.com/dockerhub/library/nginx',
    });
  });
});
