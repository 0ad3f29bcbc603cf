/**
 * The cluster side: MutatingWebhookConfiguration and ValidatingWebhookConfiguration, built in one place for the
 * `manifests` command, the local server and the committed templates under `manifests/`, and rendered as YAML
 * with a comment on every field that matters, because these few lines are where webhooks cause outages.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
 */

import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Document, isMap, isPair, isScalar, visit } from 'yaml';
import { DEFAULTS, TOKEN_PLACEHOLDER, type ValidateMode } from '../constants.ts';
import { toError } from '../result.ts';

/** Label that opts a namespace or a pod out (`docker-proxy-webhook=disabled`). */
export const OPT_OUT_LABEL = 'docker-proxy-webhook';
export const OPT_OUT_VALUE = 'disabled';
/** Namespaces excluded unless told otherwise: the control plane's own. */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system'];
export const CONFIGURATION_NAME = 'docker-proxy-webhook';
export const MUTATING_WEBHOOK_NAME = 'rewrite.docker-proxy-webhook.io';
export const VALIDATING_WEBHOOK_NAME = 'check.docker-proxy-webhook.io';

export type FailurePolicy = 'Ignore' | 'Fail';

export interface WebhookConfigOptions {
  /** `https://…/mutate`. */
  readonly mutateUrl: string;
  /** `https://…/validate`; rendered only when `validate` is not `off`. */
  readonly validateUrl?: string;
  /** PEM of the CA(s) that sign the endpoint's certificate; omitted → the apiserver's system roots. */
  readonly caPem?: string;
  /** @default 'Ignore' */
  readonly failurePolicy?: FailurePolicy;
  /** 1–30. @default 10 */
  readonly timeoutSeconds?: number;
  /** @default ['kube-system'] */
  readonly excludedNamespaces?: readonly string[];
  /** Render the ValidatingWebhookConfiguration too. @default 'off' */
  readonly validate?: 'off' | ValidateMode;
}

/** Thrown for options the apiserver would reject; the message says what to write instead. */
export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
}

/**
 * The apiserver's rules for `clientConfig.url`: https, no user info, no query, no fragment.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#url
 */
export function checkWebhookUrl(raw: string, what = 'URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookConfigError(
      `${what} ${JSON.stringify(raw)} is not a URL; write https://host[:port]/path`,
    );
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:') problems.push('it must use https');
  if (url.username !== '' || url.password !== '') problems.push('it must not contain user info');
  if (url.search !== '' || raw.includes('?')) problems.push('it must not have a query');
  if (url.hash !== '' || raw.includes('#')) problems.push('it must not have a fragment');
  if (raw.includes(TOKEN_PLACEHOLDER))
    problems.push(
      `it still holds the ${TOKEN_PLACEHOLDER} placeholder: pass --token TOKEN (or set DPW_PATH_TOKEN)`,
    );
  if (problems.length > 0) {
    throw new WebhookConfigError(
      `${what} ${JSON.stringify(raw)} would be rejected by the apiserver: ${problems.join('; ')}`,
    );
  }
  return url;
}

const API_GATEWAY_HOST = /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * The roots that sign API Gateway's default endpoints (Amazon Trust Services, and the Starfield root that
 * cross-signs them), taken from Node's bundled Mozilla trust store. `undefined` for other hosts.
 */
export function defaultCaPem(url: URL): string | undefined {
  if (!API_GATEWAY_HOST.test(url.hostname)) return undefined;
  const pems = rootCertificates.filter((pem) => {
    const subject = new X509Certificate(pem).subject;
    return (
      /^O=Amazon$/m.test(subject) || /CN=Starfield Services Root Certificate Authority - G2/.test(subject)
    );
  });
  return `${pems.map((pem) => pem.trim()).join('\n')}\n`;
}

/** Checks a PEM bundle holds at least one certificate, and returns it base64-encoded for `caBundle`. */
export function caBundleOf(pem: string, source: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new WebhookConfigError(`${source} holds no PEM certificate`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new WebhookConfigError(`${source} holds an unreadable certificate: ${toError(error).message}`, {
        cause: error,
      });
    }
  }
  return Buffer.from(`${blocks.join('\n')}\n`).toString('base64');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface Resolved {
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly excludedNamespaces: readonly string[];
  readonly caBundle: string | undefined;
}

function resolve(options: WebhookConfigOptions): Resolved {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULTS.webhookTimeoutSeconds;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new WebhookConfigError(`timeoutSeconds ${timeoutSeconds} must be a whole number from 1 to 30`);
  }
  const excludedNamespaces = options.excludedNamespaces ?? DEFAULT_EXCLUDED_NAMESPACES;
  for (const ns of excludedNamespaces) {
    if (ns.length > 63 || !DNS_LABEL.test(ns))
      throw new WebhookConfigError(`excluded namespace ${JSON.stringify(ns)} is not a namespace name`);
  }
  return {
    failurePolicy: options.failurePolicy ?? 'Ignore',
    timeoutSeconds,
    excludedNamespaces,
    caBundle: options.caPem === undefined ? undefined : caBundleOf(options.caPem, 'the CA bundle'),
  };
}

/**
 * Which requests reach the webhook. The namespace opt-out (and the excluded namespaces) always apply: labelling a
 * namespace needs rights on the namespace. The pod opt-out label is honoured except by the validating webhook in
 * `deny` mode, where any pod author could otherwise add it and escape the policy.
 */
function selectors(excluded: readonly string[], podOptOut: boolean) {
  const namespaceExpressions: { key: string; operator: string; values: string[] }[] = [
    { key: OPT_OUT_LABEL, operator: 'NotIn', values: [OPT_OUT_VALUE] },
  ];
  if (excluded.length > 0) {
    namespaceExpressions.push({
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: [...excluded],
    });
  }
  return {
    namespaceSelector: { matchExpressions: namespaceExpressions },
    ...(podOptOut
      ? {
          objectSelector: {
            matchExpressions: [{ key: OPT_OUT_LABEL, operator: 'NotIn', values: [OPT_OUT_VALUE] }],
          },
        }
      : {}),
  };
}

const RULES = [
  // UPDATE too: a running pod's image can be changed in place (`kubectl set image pod/p …`).
  {
    operations: ['CREATE', 'UPDATE'],
    apiGroups: [''],
    apiVersions: ['v1'],
    resources: ['pods'],
    scope: 'Namespaced',
  },
  // `kubectl debug` adds ephemeral containers through this subresource.
  {
    operations: ['UPDATE'],
    apiGroups: [''],
    apiVersions: ['v1'],
    resources: ['pods/ephemeralcontainers'],
    scope: 'Namespaced',
  },
];

const LABELS = {
  'app.kubernetes.io/name': 'docker-proxy-webhook',
  'app.kubernetes.io/component': 'admission-webhook',
};

function clientConfig(url: string, caBundle: string | undefined) {
  return caBundle === undefined ? { url } : { url, caBundle };
}

/** One configuration with one webhook; the two kinds differ only in name, URL and reinvocation. */
function webhookConfiguration(
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration',
  options: WebhookConfigOptions,
  url: string,
) {
  const r = resolve(options);
  const mutating = kind === 'MutatingWebhookConfiguration';
  const podOptOut = mutating || options.validate !== 'deny';
  checkWebhookUrl(url, mutating ? 'mutate URL' : 'validate URL');
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: CONFIGURATION_NAME, labels: LABELS },
    webhooks: [
      {
        name: mutating ? MUTATING_WEBHOOK_NAME : VALIDATING_WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: r.failurePolicy,
        timeoutSeconds: r.timeoutSeconds,
        ...(mutating ? { reinvocationPolicy: 'IfNeeded' } : {}),
        matchPolicy: 'Equivalent',
        clientConfig: clientConfig(url, r.caBundle),
        rules: RULES,
        ...selectors(r.excludedNamespaces, podOptOut),
      },
    ],
  };
}

/** The MutatingWebhookConfiguration object. */
export function mutatingWebhookConfiguration(options: WebhookConfigOptions) {
  return webhookConfiguration('MutatingWebhookConfiguration', options, options.mutateUrl);
}

/** The ValidatingWebhookConfiguration object. */
export function validatingWebhookConfiguration(options: WebhookConfigOptions & { validateUrl: string }) {
  return webhookConfiguration('ValidatingWebhookConfiguration', options, options.validateUrl);
}

/** The comment above each field, in both configurations. */
const FIELD_COMMENTS: Readonly<Record<string, string>> = {
  admissionReviewVersions: ' The webhook answers admission.k8s.io/v1 (and v1beta1).',
  sideEffects:
    ' None: the webhook changes nothing outside the response, so dry-run requests\n (kubectl --dry-run=server) reach it too.',
  failurePolicy:
    ' Ignore = fail open: if the webhook is unreachable, times out or errors, the pod is admitted\n unchanged (pulling from upstream) and the alarms tell you. Fail would block every pod creation\n while the endpoint is down.',
  timeoutSeconds:
    " How long the apiserver waits for an answer. Kept well under the 30 s maximum and the client's\n own request timeout, so that when it expires the failurePolicy (Ignore) really applies instead of\n the whole request failing; above the Lambda timeout so the function answers first.",
  reinvocationPolicy:
    ' IfNeeded: reviewed again if another webhook changes the pod after us. Safe: a second review of\n a rewritten pod yields no patch.',
  matchPolicy: ' Equivalent: also intercepts pods sent through other API versions of the same resource.',
  clientConfig:
    ' The webhook endpoint (https, no query or fragment). caBundle: the CA certificates (base64 PEM)\n that sign the endpoint; without it the apiserver uses its system trust roots.',
  rules:
    ' Pod creation, pod updates (only images changed in place are examined: kubectl set image), and\n kubectl debug adding ephemeral containers (UPDATE pods/ephemeralcontainers).',
  namespaceSelector:
    ' Namespaces labelled docker-proxy-webhook=disabled, and the excluded list (kube-system by default:\n the control plane must never depend on the webhook), are never sent to it.',
  objectSelector:
    ' Pods labelled docker-proxy-webhook=disabled are never sent to the webhook (the validating webhook\n in deny mode has no objectSelector: there only the namespace opt-out applies).',
};

/** Where a webhook has no objectSelector (validating, deny mode), its namespaceSelector comment says why. */
const NO_POD_OPT_OUT_COMMENT =
  '\n No objectSelector: in deny mode the pod label docker-proxy-webhook=disabled is not honoured, as any\n pod author could add it; only the namespace opt-out (which needs rights on the namespace) applies.';

/** Renders configurations as one multi-document YAML stream with field comments. */
export function renderYaml(objects: readonly object[], header?: string): string {
  return objects
    .map((object, i) => {
      const doc = new Document(object);
      if (i === 0 && header !== undefined) doc.commentBefore = header;
      visit(doc, {
        Pair(_, pair, path) {
          // Only the fields of a webhook entry: webhooks[n].<field>.
          const parentMap = path[path.length - 1];
          const grand = path[path.length - 3];
          if (!isPair(pair) || !isScalar(pair.key) || !isMap(parentMap)) return;
          if (!(isPair(grand) && isScalar(grand.key) && grand.key.value === 'webhooks')) return;
          const field = String(pair.key.value);
          let comment = FIELD_COMMENTS[field];
          if (field === 'namespaceSelector' && !parentMap.has('objectSelector'))
            comment += NO_POD_OPT_OUT_COMMENT;
          if (comment !== undefined) pair.key.commentBefore = comment;
        },
      });
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

/** Everything the options ask for, rendered. */
export function renderWebhookConfigurations(options: WebhookConfigOptions, header?: string): string {
  const objects: object[] = [mutatingWebhookConfiguration(options)];
  const validate = options.validate ?? 'off';
  if (validate !== 'off') {
    if (options.validateUrl === undefined)
      throw new WebhookConfigError('validate is on but no validate URL is known');
    objects.push(validatingWebhookConfiguration({ ...options, validateUrl: options.validateUrl }));
  }
  return renderYaml(objects, header);
}
