import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES_DIR, loadFixture } from '../helpers/fixtures.ts';

const REVIEW = join(FIXTURES_DIR, 'api/review-pod.json');
const MAPPINGS = join(FIXTURES_DIR, 'api/mappings.json');

describe('review', () => {
  it('prints the AdmissionReview response, and one line per container on stderr', async () => {
    const run = await runCli(['review', '--mappings', MAPPINGS, REVIEW]);
    expect(run.code).toBe(0);
    const response = JSON.parse(run.stdout);
    expect(response).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true, patchType: 'JSONPatch' },
    });
    expect(run.stderr.split('\n')).toEqual([
      'initContainers/migrate: unmapped quay.io/unknown/thing:1.0',
      'containers/web: rewritten nginx:1.27 -> harbor.example.com/dockerhub/library/nginx:1.27',
      expect.stringMatching(
        /^containers\/tool: rewritten ghcr\.io\/org\/tool:v1@sha256:\w+ -> harbor\.example\.com\/ghcr\//,
      ),
      'containers/private: ignored 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:2',
      '',
    ]);
  });

  it('--patched prints the pod after the patch', async () => {
    const run = await runCli(['review', '--mappings', MAPPINGS, '--patched', REVIEW]);
    expect(JSON.parse(run.stdout)).toEqual(loadFixture('api/review-pod.expected-pod.json'));
  });

  it('reads standard input with -', async () => {
    const run = await runCli(['review', '--mappings', MAPPINGS, '--patched', '-'], {
      stdin: JSON.stringify(loadFixture('api/review-pod.json')),
    });
    expect(JSON.parse(run.stdout)).toEqual(loadFixture('api/review-pod.expected-pod.json'));
  });

  it('--validate --validate-mode deny prints the denial', async () => {
    const run = await runCli([
      'review',
      '--mappings',
      MAPPINGS,
      '--validate',
      '--validate-mode',
      'deny',
      REVIEW,
    ]);
    const { response } = JSON.parse(run.stdout);
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(403);
    expect(response.status.message).toContain('init:migrate: quay.io/unknown/thing:1.0 (no mapping)');
  });

  it.each([
    [['review', '--mappings', MAPPINGS], /give exactly one AdmissionReview file/],
    [
      ['review', '--mappings', MAPPINGS, '--validate-mode', 'block', REVIEW],
      /--validate-mode must be warn or deny/,
    ],
    [['review', '--mappings', MAPPINGS, MAPPINGS], /is not an AdmissionReview: apiVersion must be/],
    [['review', '--mappings', MAPPINGS, 'missing.json'], /cannot read missing\.json/],
  ])('exits 2 on %j', async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
