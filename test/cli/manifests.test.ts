import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/cli.ts';
import { type LocalSsm, localAwsConfig, startLocalSsm } from '../helpers/ssm-server.ts';

const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhook';
const TOKEN = 'Zk3yFr0mSecretsManager0123456789abcdEFGH';

let ssm: LocalSsm;
beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.close());
beforeEach(() => ssm.reset());

const awsEnv = () => {
  const c = localAwsConfig(ssm.endpoint);
  return {
    AWS_ENDPOINT_URL_SSM: c.endpoint,
    AWS_REGION: c.region,
    AWS_ACCESS_KEY_ID: c.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.credentials.secretAccessKey,
  };
};

/** Runs the command with the AWS environment pointed at the local SSM server. */
async function run(argv: string[], cwd = tmpdir()) {
  const saved = { ...process.env };
  Object.assign(process.env, awsEnv());
  try {
    return await runCli(argv, { cwd, env: {} });
  } finally {
    process.env = saved;
  }
}

function outputsFile(outputs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpw-out-'));
  writeFileSync(
    join(dir, 'cdk-outputs.json'),
    JSON.stringify({ DockerProxyWebhook: outputs, Other: { X: '1' } }),
  );
  return dir;
}

const STACK_OUTPUTS = {
  MutateUrl: `${BASE}/{token}/mutate`,
  ValidateUrl: `${BASE}/{token}/validate`,
  WebhookTimeoutSeconds: '12',
  ValidateMode: 'warn',
  PathTokenSecretName: 'DockerProxyWebhook/path-token',
  MappingsParameterName: '/docker-proxy-webhook/mappings',
};

const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

describe('manifests --outputs', () => {
  it('fills the token from Secrets Manager (through SSM), the timeout from the stack, and validates', async () => {
    ssm.parameters.set('/aws/reference/secretsmanager/DockerProxyWebhook/path-token', TOKEN);
    const dir = outputsFile(STACK_OUTPUTS);
    const result = await run(['manifests', '--outputs', 'cdk-outputs.json', '--validate', 'warn'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [mutating, validating] = docs(result.stdout);
    new MutatingWebhookConfiguration(mutating).validate();
    expect(mutating.webhooks[0].clientConfig.url).toBe(`${BASE}/${TOKEN}/mutate`);
    expect(mutating.webhooks[0].clientConfig.caBundle).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(mutating.webhooks[0].timeoutSeconds).toBe(12);
    expect(validating.webhooks[0].clientConfig.url).toBe(`${BASE}/${TOKEN}/validate`);
    expect(ssm.calls).toEqual([
      {
        target: 'AmazonSSM.GetParameter',
        name: '/aws/reference/secretsmanager/DockerProxyWebhook/path-token',
      },
    ]);
  });

  it("reads the token in the stack's region (from the secret's ARN), not the shell's", async () => {
    ssm.parameters.set('/aws/reference/secretsmanager/DockerProxyWebhook/path-token', TOKEN);
    const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:DockerProxyWebhook/path-token-AbCdEf';
    const dir = outputsFile({ ...STACK_OUTPUTS, PathTokenSecretArn: arn });
    const result = await run(['manifests', '--outputs', 'cdk-outputs.json'], dir);
    expect(result.code).toBe(0);
    expect(ssm.regions).toEqual(['us-west-2']);
    const withoutArn = await run(['manifests', '--outputs', 'cdk-outputs.json'], outputsFile(STACK_OUTPUTS));
    expect(withoutArn.code).toBe(0);
    expect(ssm.regions).toEqual(['us-west-2', 'eu-west-1']);
  });

  it('takes --token instead, without any AWS call', async () => {
    const result = await run(
      ['manifests', '--outputs', 'cdk-outputs.json', '--token', TOKEN],
      outputsFile(STACK_OUTPUTS),
    );
    expect(docs(result.stdout)[0].webhooks[0].clientConfig.url).toBe(`${BASE}/${TOKEN}/mutate`);
    expect(ssm.calls).toEqual([]);
  });

  it('explains a token it cannot read', async () => {
    const result = await run(['manifests', '--outputs', 'cdk-outputs.json'], outputsFile(STACK_OUTPUTS));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /cannot read the path token from secret DockerProxyWebhook\/path-token \(ParameterNotFound: .*\); pass --token TOKEN/,
    );
  });

  it('refuses a validate mode the stack does not serve', async () => {
    const result = await run(
      ['manifests', '--outputs', 'cdk-outputs.json', '--token', TOKEN, '--validate', 'deny'],
      outputsFile(STACK_OUTPUTS),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'the stack answers /validate in warn mode; redeploy with -c validateMode=deny',
    );
  });

  it('explains a missing outputs file', async () => {
    const result = await run(['manifests', '--outputs', 'nope.json'], mkdtempSync(join(tmpdir(), 'dpw-')));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read stack outputs from .*nope\.json/);
  });
});

describe('manifests --url', () => {
  it('renders with flags: failure policy, timeout, excluded namespaces, a CA file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpw-'));
    const { X509Certificate } = await import('node:crypto');
    const { rootCertificates } = await import('node:tls');
    const pem = rootCertificates[0] as string;
    writeFileSync(join(dir, 'ca.pem'), pem);
    const result = await run(
      [
        'manifests',
        '--url',
        'https://webhook.example.com:8443/mutate',
        '--failure-policy',
        'Fail',
        '--timeout',
        '4',
        '--exclude-namespaces',
        'kube-system, cert-manager',
        '--ca-file',
        'ca.pem',
      ],
      dir,
    );
    expect(result.code).toBe(0);
    const [webhook] = docs(result.stdout)[0].webhooks;
    expect(webhook).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 4 });
    expect(webhook.namespaceSelector.matchExpressions[1].values).toEqual(['kube-system', 'cert-manager']);
    const bundled = Buffer.from(webhook.clientConfig.caBundle, 'base64').toString();
    expect(new X509Certificate(bundled).fingerprint256).toBe(new X509Certificate(pem).fingerprint256);
  });

  it('fills {token} in a --url with --token', async () => {
    const result = await run(['manifests', '--url', `${BASE}/{token}/mutate`, '--token', TOKEN]);
    expect(result.code).toBe(0);
    expect(docs(result.stdout)[0].webhooks[0].clientConfig.url).toBe(`${BASE}/${TOKEN}/mutate`);
  });

  it('without a CA for a custom domain: no caBundle, and says so', async () => {
    const result = await run(['manifests', '--url', 'https://webhook.example.com/mutate']);
    expect(docs(result.stdout)[0].webhooks[0].clientConfig).toEqual({
      url: 'https://webhook.example.com/mutate',
    });
    expect(result.stderr).toContain('no caBundle');
  });

  it.each([
    [['--url', 'http://x.example.com/mutate'], 'would be rejected by the apiserver: it must use https'],
    [['--url', 'https://x.example.com/mutate?x=1'], 'it must not have a query'],
    [['--url', 'https://x.example.com/other'], 'must end in /mutate'],
    [
      ['--url', 'https://x.example.com/mutate', '--failure-policy', 'Maybe'],
      '--failure-policy must be Ignore or Fail',
    ],
    [['--url', 'https://x.example.com/mutate', '--validate', 'loud'], '--validate must be off, warn or deny'],
    [
      ['--url', 'https://x.example.com/mutate', '--timeout', '60'],
      'timeoutSeconds 60 must be a whole number from 1 to 30',
    ],
    [[], 'give exactly one of --outputs FILE and --url URL'],
  ])('exits 2 for %j', async (args, message) => {
    const result = await run(['manifests', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
