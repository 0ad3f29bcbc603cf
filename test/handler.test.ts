import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ARTIFACT_PATH } from '../infra/bundling.ts';
import { ConfigError } from '../lambda/config.ts';
import { createHandler } from '../lambda/create-handler.ts';
import { createDependencies } from '../lambda/dependencies.ts';
import { lambdaContext, restEvent } from './helpers/events.ts';
import { FIXTURES_DIR, loadFixture } from './helpers/fixtures.ts';
import { type LocalSsm, startLocalSsm } from './helpers/ssm-server.ts';

const ROOT = join(FIXTURES_DIR, '..', '..');
const PARAMETER = '/docker-proxy-webhook/mappings';
const TOKEN = 'k3yFr0mSecretsManager_0123456789';
const REVIEW = JSON.stringify(loadFixture('api/review-pod.json'));
const MAPPINGS = JSON.stringify(loadFixture('api/mappings.json'));

let ssm: LocalSsm;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());

/** What the Lambda runtime gives the function, pointed at the local SSM endpoint. */
const awsEnv = () => ({
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_ENDPOINT_URL_SSM: ssm.endpoint,
  POWERTOOLS_METRICS_DISABLED: 'true',
});

beforeEach(() => {
  ssm.reset();
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(awsEnv())) vi.stubEnv(name, value);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

describe('createDependencies (cold start)', () => {
  it('reads mappings from the SSM parameter and the path token from Secrets Manager through SSM', async () => {
    // Prepare
    ssm.parameters.set(PARAMETER, MAPPINGS);
    ssm.parameters.set('/aws/reference/secretsmanager/webhook-token', TOKEN);

    // Act
    const handler = createHandler(
      createDependencies({ MAPPINGS_PARAMETER: PARAMETER, PATH_TOKEN_SECRET: 'webhook-token' }),
    );
    const wrongPath = await handler(restEvent({ body: REVIEW, path: '/mutate' }), lambdaContext());
    const result = await handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext());

    // Assess
    expect(wrongPath.statusCode).toBe(404);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).response.patchType).toBe('JSONPatch');
    // Both loads started at cold start, each exactly once.
    expect(ssm.calls.map((c) => c.name).sort()).toEqual([
      '/aws/reference/secretsmanager/webhook-token',
      PARAMETER,
    ]);
  });

  it('retries the token read on the next request when it failed', async () => {
    ssm.parameters.set(PARAMETER, MAPPINGS);
    const handler = createHandler(
      createDependencies({ MAPPINGS_PARAMETER: PARAMETER, PATH_TOKEN_SECRET: 'webhook-token' }),
    );
    const failed = await handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext());
    expect(failed.statusCode).toBe(503);
    expect(JSON.parse(failed.body).message).toMatch(/path token could not be read/);
    ssm.parameters.set('/aws/reference/secretsmanager/webhook-token', TOKEN);
    const ok = await handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext());
    expect(ok.statusCode).toBe(200);
  });

  it('reads mappings from the SSM parameter and no secret: API Gateway checked the path token', async () => {
    // Prepare
    ssm.parameters.set(PARAMETER, MAPPINGS);

    // Act
    const handler = createHandler(
      createDependencies({ MAPPINGS_PARAMETER: PARAMETER, PATH_TOKEN_CHECKED_UPSTREAM: 'true' }),
    );
    const withoutToken = await handler(restEvent({ body: REVIEW, path: '/mutate' }), lambdaContext());
    const tooDeep = await handler(restEvent({ body: REVIEW, path: `/a/${TOKEN}/mutate` }), lambdaContext());
    const result = await handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext());

    // Assess
    expect(withoutToken.statusCode).toBe(404);
    expect(tooDeep.statusCode).toBe(404);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).response.patchType).toBe('JSONPatch');
    // The cold start reads the mappings, exactly once, and nothing else.
    expect(ssm.calls.map((c) => c.name)).toEqual([PARAMETER]);
  });

  it('a literal PATH_TOKEN (local runs) is still checked by the function', async () => {
    ssm.parameters.set(PARAMETER, MAPPINGS);
    const handler = createHandler(createDependencies({ MAPPINGS_PARAMETER: PARAMETER, PATH_TOKEN: TOKEN }));
    const wrong = await handler(
      restEvent({ body: REVIEW, path: '/wrong-token-0123456789/mutate' }),
      lambdaContext(),
    );
    const ok = await handler(restEvent({ body: REVIEW, path: `/${TOKEN}/mutate` }), lambdaContext());
    expect(wrong.statusCode).toBe(404);
    expect(ok.statusCode).toBe(200);
  });

  it('reads a mappings file when no parameter is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-'));
    writeFileSync(join(dir, 'm.json'), MAPPINGS);
    const handler = createHandler(createDependencies({ MAPPINGS_FILE: join(dir, 'm.json') }));
    const health = await handler(restEvent({ method: 'GET', path: '/healthz' }), lambdaContext());
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      mappings: { loaded: true, registries: 2 },
    });
  });

  it.each([
    [{}, 'set MAPPINGS_PARAMETER (an SSM parameter name) or MAPPINGS_FILE (a path)'],
    [
      { MAPPINGS_FILE: 'x', MAPPINGS_TTL_SECONDS: '0' },
      'MAPPINGS_TTL_SECONDS="0" is not a positive whole number',
    ],
    [{ MAPPINGS_FILE: 'x', VALIDATE_MODE: 'block' }, 'VALIDATE_MODE="block" must be one of warn, deny'],
    [{ MAPPINGS_FILE: 'x', PATH_TOKEN: 'short' }, 'PATH_TOKEN must be 16-128 characters of A-Z a-z 0-9 _ -'],
  ])('refuses to start on bad configuration %j', (env, message) => {
    expect(() => createDependencies(env)).toThrow(message);
  });

  it('configuration errors are ConfigErrors that never echo the token', () => {
    const secret = 'not/a valid token but secret';
    let error: unknown;
    try {
      createDependencies({ MAPPINGS_FILE: 'x', PATH_TOKEN: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).not.toContain(secret);
  });
});

describe('the built artifact (npm run build → dist/handler.mjs)', () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/build.ts'], { cwd: ROOT });
  }, 60_000);

  it('exports handler, and answers a review with mappings from SSM', async () => {
    expect(existsSync(join(ROOT, ARTIFACT_PATH))).toBe(true);
    ssm.parameters.set(PARAMETER, MAPPINGS);
    const script = `
      const { handler } = await import(${JSON.stringify(join(ROOT, ARTIFACT_PATH))});
      const event = JSON.parse(process.env.EVENT);
      const result = await handler(event, { awsRequestId: 'r', functionName: 'f', getRemainingTimeInMillis: () => 1000 });
      process.stderr.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
    `;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: tmpdir(),
      env: { ...awsEnv(), MAPPINGS_PARAMETER: PARAMETER, EVENT: JSON.stringify(restEvent({ body: REVIEW })) },
    });
    const line = stderr.split('\n').find((l) => l.startsWith('RESULT ')) ?? '';
    const result = JSON.parse(line.slice('RESULT '.length));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
  });
});
