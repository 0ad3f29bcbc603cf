import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOAD_BOUNDS } from '../../lambda/constants.ts';
import { type Mappings, parseMappingsJson } from '../../lambda/mappings/parse.ts';
import { createMappingsSource, type LoadFailureKind } from '../../lambda/mappings/source.ts';
import { createSsmClient, createSsmLoader, getParameterValue } from '../../lambda/mappings/ssm.ts';
import { type LocalSsm, localAwsConfig, startLocalSsm } from '../helpers/ssm-server.ts';

const NAME = '/docker-proxy-webhook/mappings';
const doc = (proxy: string) => JSON.stringify({ version: 1, registries: { 'docker.io': proxy } });

let ssm: LocalSsm;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());
beforeEach(() => ssm.reset());

/** A mappings source over the real SDK client and the local server, with a clock the test moves. */
function sourceOverSsm(loadTimeoutMs = 2_000, refreshWaitMs = loadTimeoutMs) {
  let clock = 0;
  const failures: { kind: LoadFailureKind; name: string; message: string; cause?: string }[] = [];
  const client = createSsmClient(localAwsConfig(ssm.endpoint));
  const source = createMappingsSource<Mappings>({
    load: createSsmLoader({ parameterName: NAME, client }),
    parse: parseMappingsJson,
    ttlMs: 60_000,
    loadTimeoutMs,
    // By default the same bound for refreshes, so the SDK's own retry (after ≥0.5 s when throttled) is seen here.
    refreshWaitMs,
    retryAfterMs: 0,
    now: () => clock,
    onLoadFailure: ({ error, kind }) =>
      failures.push({
        kind,
        name: error.name,
        message: error.message,
        ...(error.cause instanceof Error ? { cause: error.cause.name } : {}),
      }),
  });
  /** Moves past the TTL; the next request runs the refresh itself and returns once it is done (or cut off). */
  const refresh = async () => {
    clock += 61_000;
    await source.current();
  };
  return { source, failures, client, refresh };
}

const proxyOf = (m: Mappings | undefined) => m?.registries[0]?.proxy;

describe('mappings from SSM through the AWS SDK (local SSM endpoint)', () => {
  it('loads the parameter; a put-parameter takes effect at the next refresh', async () => {
    const { source, client, refresh } = sourceOverSsm();
    await client.send(
      new PutParameterCommand({ Name: NAME, Value: doc('a.example.com/hub'), Type: 'String' }),
    );
    expect(proxyOf((await source.current()).value)).toBe('a.example.com/hub');
    await client.send(
      new PutParameterCommand({
        Name: NAME,
        Value: doc('b.example.com/hub'),
        Type: 'String',
        Overwrite: true,
      }),
    );
    await refresh();
    expect(proxyOf(source.peek().value)).toBe('b.example.com/hub');
    expect(ssm.calls.map((c) => c.target)).toEqual([
      'AmazonSSM.PutParameter',
      'AmazonSSM.GetParameter',
      'AmazonSSM.PutParameter',
      'AmazonSSM.GetParameter',
    ]);
  });

  it('retries one throttled or failed call (the SDK retry), then succeeds', async () => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    ssm.fail({ kind: 'throttle' });
    const { source, failures } = sourceOverSsm();
    expect(proxyOf((await source.current()).value)).toBe('a.example.com/hub');
    expect(failures).toEqual([]);
    expect(ssm.calls).toHaveLength(2);
  });

  it.each([
    ['throttling', { kind: 'throttle' } as const, 'ThrottlingException'],
    ['500s', { kind: 'server-error' } as const, 'InternalServerError'],
  ])('keeps serving the last good mappings through persistent %s', async (_name, fault, errorName) => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    const { source, failures, refresh } = sourceOverSsm();
    await source.current();
    ssm.fail(fault, fault);
    await refresh();
    expect(proxyOf(source.peek().value)).toBe('a.example.com/hub');
    expect(source.peek().stale).toBe(true);
    expect(failures).toMatchObject([{ kind: 'fetch', name: errorName }]);
  });

  it('a throttled refresh cut off at the 300 ms bound still names the throttle (as the cause of the timeout)', async () => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    const { source, failures, refresh } = sourceOverSsm(2_000, LOAD_BOUNDS.mappingsRefreshWaitMs);
    await source.current();
    ssm.fail({ kind: 'throttle' }, { kind: 'throttle' });
    await refresh();
    expect(proxyOf(source.peek().value)).toBe('a.example.com/hub');
    expect(failures).toHaveLength(1);
    // The SDK retries a throttle after a random 0-1 s: cut off at the bound (timeout, cause named) or not.
    const failure = failures[0];
    if (failure?.kind === 'timeout')
      expect(failure).toMatchObject({ name: 'AttemptTimeoutError', cause: 'ThrottlingException' });
    else expect(failure).toMatchObject({ kind: 'fetch', name: 'ThrottlingException' });
  });

  it('abandons a response slower than the budget: the request is answered without mappings, not held', async () => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    ssm.fail({ kind: 'delay', ms: 5_000 }, { kind: 'delay', ms: 5_000 });
    const { source, failures } = sourceOverSsm(300);
    const started = process.hrtime.bigint();
    const snapshot = await source.current();
    const waitedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(snapshot.value).toBeUndefined();
    expect(failures).toMatchObject([{ kind: 'timeout' }]);
    // Not a performance assertion: proof the 5 s server delay was not waited for.
    expect(waitedMs).toBeLessThan(4_000);
  });

  it('reports ParameterNotFound and serves nothing until the parameter exists', async () => {
    const { source, failures, refresh } = sourceOverSsm();
    expect((await source.current()).value).toBeUndefined();
    expect(failures).toMatchObject([{ kind: 'fetch', name: 'ParameterNotFound' }]);
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    await refresh();
    expect(proxyOf(source.peek().value)).toBe('a.example.com/hub');
  });

  it('rejects an invalid new document with its JSON path, and keeps the previous one', async () => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    const { source, failures, refresh } = sourceOverSsm();
    await source.current();
    ssm.parameters.set(NAME, doc('https://b.example.com'));
    await refresh();
    expect(proxyOf(source.peek().value)).toBe('a.example.com/hub');
    expect(failures).toEqual([
      {
        kind: 'invalid',
        name: 'MappingsValidationError',
        message:
          'registries["docker.io"]: "https://b.example.com" is not a registry prefix; write host[:port][/path]',
      },
    ]);
  });

  it('getParameterValue asks for decryption when told to (secure strings, Secrets Manager references)', async () => {
    ssm.parameters.set('/aws/reference/secretsmanager/token', 'abc');
    const client = createSsmClient(localAwsConfig(ssm.endpoint));
    expect(
      await getParameterValue(client, '/aws/reference/secretsmanager/token', { withDecryption: true }),
    ).toBe('abc');
  });
});

describe('createSsmClient', () => {
  it('gives up on a late response after its request timeout, and retries once', async () => {
    ssm.parameters.set(NAME, doc('a.example.com/hub'));
    ssm.fail({ kind: 'delay', ms: 3_000 }, { kind: 'delay', ms: 3_000 });
    const client = createSsmClient(localAwsConfig(ssm.endpoint));
    const started = process.hrtime.bigint();
    await expect(getParameterValue(client, NAME)).rejects.toThrow();
    const waitedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ssm.calls).toHaveLength(2);
    // Two attempts of 0.9 s each, not two 3 s server delays.
    expect(waitedMs).toBeLessThan(2_900);
  });
});
