import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  caBundleOf,
  checkWebhookUrl,
  defaultCaPem,
  renderWebhookConfigurations,
  type WebhookConfigOptions,
} from '../../lambda/cluster/webhook-config.ts';
import { exampleManifests, MANIFESTS_DIR } from '../../lambda/cluster/write-examples.ts';

const URL_BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhook/tok';
const base: WebhookConfigOptions = {
  mutateUrl: `${URL_BASE}/mutate`,
  validateUrl: `${URL_BASE}/validate`,
  caPem: defaultCaPem(new URL(URL_BASE)),
};

/** Renders, parses back, and validates each document against the admissionregistration.k8s.io/v1 schema. */
function render(options: Partial<WebhookConfigOptions> = {}) {
  const docs = parseAllDocuments(renderWebhookConfigurations({ ...base, ...options })).map((d) => d.toJS());
  for (const doc of docs) {
    const model =
      doc.kind === 'MutatingWebhookConfiguration'
        ? new MutatingWebhookConfiguration(doc)
        : new ValidatingWebhookConfiguration(doc);
    model.validate();
  }
  return docs;
}

describe('renderWebhookConfigurations', () => {
  it('renders a schema-valid MutatingWebhookConfiguration with safe defaults, field by field', () => {
    const [mutating, ...rest] = render();
    expect(rest).toEqual([]);
    expect(mutating.metadata.name).toBe('docker-proxy-webhook');
    const [webhook] = mutating.webhooks;
    expect(webhook).toMatchObject({
      name: 'rewrite.docker-proxy-webhook.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      timeoutSeconds: 3, // the failure budget (issue 14 point 9), not the apiserver's 10
      reinvocationPolicy: 'IfNeeded',
      matchPolicy: 'Equivalent',
      clientConfig: { url: `${URL_BASE}/mutate` },
    });
    expect(webhook.rules).toEqual([
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
      {
        operations: ['UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods/ephemeralcontainers'],
        scope: 'Namespaced',
      },
    ]);
    expect(webhook.namespaceSelector).toEqual({
      matchExpressions: [
        { key: 'docker-proxy-webhook', operator: 'NotIn', values: ['disabled'] },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
      ],
    });
    expect(webhook.objectSelector).toEqual({
      matchExpressions: [{ key: 'docker-proxy-webhook', operator: 'NotIn', values: ['disabled'] }],
    });
  });

  it('fills caBundle with the Amazon roots that sign API Gateway endpoints', () => {
    const [mutating] = render();
    const pem = Buffer.from(mutating.webhooks[0].clientConfig.caBundle, 'base64').toString();
    const subjects = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
      (block) => new X509Certificate(block).subject.replace(/\n/g, ', '),
    );
    expect(subjects).toEqual(expect.arrayContaining(['C=US, O=Amazon, CN=Amazon Root CA 1']));
    expect(subjects.length).toBeGreaterThanOrEqual(4);
  });

  it('omits caBundle for other hosts (system roots), and uses a given CA file', () => {
    const [plain] = render({ mutateUrl: 'https://webhook.example.com/mutate', caPem: undefined });
    expect(plain.webhooks[0].clientConfig).toEqual({ url: 'https://webhook.example.com/mutate' });
  });

  it.each([
    [{ failurePolicy: 'Fail' as const }, { failurePolicy: 'Fail' }],
    [{ timeoutSeconds: 5 }, { timeoutSeconds: 5 }],
  ])('applies %j', (options, expected) => {
    expect(render(options)[0].webhooks[0]).toMatchObject(expected);
  });

  it('changes the excluded namespaces, or drops the rule when there are none', () => {
    const [custom] = render({ excludedNamespaces: ['kube-system', 'cert-manager'] });
    expect(custom.webhooks[0].namespaceSelector.matchExpressions[1].values).toEqual([
      'kube-system',
      'cert-manager',
    ]);
    const [none] = render({ excludedNamespaces: [] });
    expect(none.webhooks[0].namespaceSelector.matchExpressions).toHaveLength(1);
  });

  it('adds the ValidatingWebhookConfiguration when validate is warn or deny', () => {
    const [, validating] = render({ validate: 'warn' });
    expect(validating.kind).toBe('ValidatingWebhookConfiguration');
    expect(validating.webhooks[0]).toMatchObject({
      name: 'check.docker-proxy-webhook.io',
      clientConfig: { url: `${URL_BASE}/validate` },
      failurePolicy: 'Ignore',
    });
    expect(validating.webhooks[0].reinvocationPolicy).toBeUndefined();
  });

  it('sends plain Pod UPDATEs to both webhooks (an image changed in place is rewritten and checked)', () => {
    for (const doc of render({ validate: 'deny' })) {
      expect(doc.webhooks[0].rules[0]).toMatchObject({
        operations: ['CREATE', 'UPDATE'],
        resources: ['pods'],
      });
    }
  });

  it('in deny mode, the validating webhook honours only the namespace opt-out, not the pod label', () => {
    // Prepare
    const text = renderWebhookConfigurations({ ...base, validate: 'deny' });

    // Act
    const [mutating, validating] = render({ validate: 'deny' });
    const [, warning] = render({ validate: 'warn' });

    // Assess
    expect(validating.webhooks[0].objectSelector).toBeUndefined();
    expect(validating.webhooks[0].namespaceSelector.matchExpressions).toContainEqual({
      key: 'docker-proxy-webhook',
      operator: 'NotIn',
      values: ['disabled'],
    });
    // The pod label still opts out of the rewrite, and of warn-mode warnings.
    expect(mutating.webhooks[0].objectSelector).toBeDefined();
    expect(warning.webhooks[0].objectSelector).toBeDefined();
    expect(text).toContain('in deny mode the pod label docker-proxy-webhook=disabled is not honoured');
  });

  it('the schema check is real: it rejects a wrongly typed field', () => {
    const [mutating] = render();
    mutating.webhooks[0].timeoutSeconds = 'ten';
    expect(() => new MutatingWebhookConfiguration(mutating).validate()).toThrow();
  });

  it('documents the fields that matter in comments', () => {
    const text = renderWebhookConfigurations(base);
    for (const field of [
      'failurePolicy',
      'timeoutSeconds',
      'sideEffects',
      'reinvocationPolicy',
      'namespaceSelector',
    ]) {
      expect(text).toMatch(new RegExp(`# .+\\n(    # .+\\n)*    ${field}:`));
    }
  });

  it.each([
    ['http://x.example.com/mutate', 'it must use https'],
    ['https://user:pw@x.example.com/mutate', 'it must not contain user info'],
    ['https://x.example.com/mutate?timeout=5s', 'it must not have a query'],
    ['https://x.example.com/mutate#frag', 'it must not have a fragment'],
    ['https://x.example.com/{token}/mutate', 'it still holds the {token} placeholder'],
    ['not a url', 'is not a URL'],
  ])('refuses %s', (url, message) => {
    expect(() => checkWebhookUrl(url)).toThrow(message);
    expect(() => renderWebhookConfigurations({ mutateUrl: url })).toThrow(message);
  });

  it.each([
    [{ timeoutSeconds: 31 }, 'timeoutSeconds 31 must be a whole number from 1 to 30'],
    [{ excludedNamespaces: ['Kube_System'] }, 'excluded namespace "Kube_System" is not a namespace name'],
  ])('refuses %j', (options, message) => {
    expect(() => render(options)).toThrow(message);
  });

  it('refuses a CA file without a certificate', () => {
    expect(() => caBundleOf('hello', 'ca.pem')).toThrow('ca.pem holds no PEM certificate');
  });
});

describe('manifests/', () => {
  it.each(Object.entries(exampleManifests()))(
    '%s is the renderer output (npm run manifests:examples)',
    (name, text) => {
      expect(readFileSync(join(MANIFESTS_DIR, name), 'utf8')).toBe(text);
      for (const doc of parseAllDocuments(text)) {
        const object = doc.toJS();
        const Model =
          object.kind === 'MutatingWebhookConfiguration'
            ? MutatingWebhookConfiguration
            : ValidatingWebhookConfiguration;
        new Model(object).validate();
      }
    },
  );

  it('the example Secret is a dockerconfigjson named docker-proxy-credentials', () => {
    const secret = parseAllDocuments(
      readFileSync(join(MANIFESTS_DIR, 'docker-proxy-credentials.example.yaml'), 'utf8'),
    )[0]?.toJS();
    expect(secret).toMatchObject({
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'docker-proxy-credentials' },
    });
    expect(JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString())).toHaveProperty(
      'auths',
    );
  });
});
