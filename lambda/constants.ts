/**
 * Deployment constants shared by the function (`lambda/`), the stack (`infra/`) and the command line: one home
 * for every default, name and limit that more than one of them needs, so they cannot drift apart. Pure
 * constants: importing this file loads nothing else (like `telemetry-names.ts`), so `infra/` can use it at
 * synth time without loading the AWS SDK.
 */

/** How `/validate` treats images that are not pulled through a proxy. */
export const VALIDATE_MODES = ['warn', 'deny'] as const;
export type ValidateMode = (typeof VALIDATE_MODES)[number];

/**
 * One failure budget for a pod creation (README, "What a pod creation waits"): the apiserver waits at most
 * `webhookTimeoutSeconds` for the webhook, then applies the failure policy. Everything behind it is derived
 * so that each layer gives up before the one in front of it: the mappings wait on a cold start, inside the
 * Lambda timeout, inside API Gateway's integration timeout, inside the webhook timeout. `infra/budget.ts`
 * derives the stack's values from `webhookTimeoutSeconds`; the function's waits (lambda/mappings/source.ts)
 * stay within `mappingsWaitMs`.
 */
export const FAILURE_BUDGET = {
  /** What a pod creation waits at most for the webhook (the configurations' `timeoutSeconds`). */
  webhookTimeoutSeconds: 3,
  /** The Lambda timeout is this much below the webhook timeout: room for API Gateway and the network. */
  lambdaMarginSeconds: 1,
  /** API Gateway's integration timeout ends this much before the webhook timeout. */
  integrationMarginMs: 500,
  /** The longest a review waits on a mappings load (cold start or due refresh), inside the Lambda timeout. */
  mappingsWaitMs: 1_000,
  /** What the Lambda timeout must leave after the mappings wait: init and the review itself. */
  reviewReserveMs: 1_000,
} as const;

/** Defaults, documented in README's configuration and options tables. */
export const DEFAULTS = {
  /** Seconds a loaded mappings document is served before it is refreshed. */
  mappingsTtlSeconds: 60,
  /** SSM parameter that holds the mappings document (the stack may derive another name). */
  mappingsParameterName: '/docker-proxy-webhook/mappings',
  /** `/validate` mode. */
  validateMode: 'warn' as ValidateMode,
  /** `timeoutSeconds` of the webhook configurations: the failure budget, not the apiserver's 10 s. */
  webhookTimeoutSeconds: FAILURE_BUDGET.webhookTimeoutSeconds as number,
  /** Answer internal errors with a denial instead of allowing the pod unchanged. */
  failClosed: false,
  /**
   * 5 MiB: an AdmissionReview carries the object (and for UPDATE the old object), each capped by the apiserver
   * at about 3 MiB; Lambda's synchronous payload limit is 6 MB for the whole event (body, headers, context),
   * so 5 MiB leaves room for the rest of the event and anything larger is answered 413 rather than failing
   * at the Lambda invoke.
   */
  maxBodyBytes: 5 * 1024 * 1024,
  /** The longest a review waits on a mappings load (SSM call): the failure budget's share. */
  mappingsLoadTimeoutMs: FAILURE_BUDGET.mappingsWaitMs as number,
  /** The docker-config Secret pods need to pull from a proxy, unless the mappings say otherwise. */
  pullSecret: 'docker-proxy-credentials',
} as const;

/**
 * Bounds of the loads a request may find due (README "Mappings updates"). Lambda freezes the process between
 * invocations, so a load runs inside the invocation that finds it due, aborted at its bound, never behind a
 * response. The first mappings load waits `DEFAULTS.mappingsLoadTimeoutMs` (there is nothing else to serve).
 */
export const LOAD_BOUNDS = {
  /**
   * Longest a request that has mappings waits on a due refresh, then it is served the last good ones and the
   * next request tries again. SSM answers GetParameter in tens of milliseconds in-region, a new TLS connection
   * after a long freeze included; 300 ms leaves room for the SDK's one retry and keeps a review's worst case
   * far below the apiserver's webhook timeout.
   */
  mappingsRefreshWaitMs: 300,
  /** After a failed load attempt the next one waits this long (at most the TTL): a broken source is not hammered. */
  mappingsRetryAfterMs: 5_000,
  /** Longest a request waits on reading the path token from Secrets Manager (at cold start, or after a failure). */
  pathTokenReadWaitMs: 2_000,
} as const;

/**
 * The SSM client's own per-call limits: two attempts (one retry) of at most 0.5 s to connect and 0.9 s to
 * answer fit in the 2 s first-load bound; the bound aborts the call anyway.
 */
export const SSM_CLIENT_LIMITS = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 900,
  maxAttempts: 2,
} as const;

/** The range the apiserver accepts for a webhook's `timeoutSeconds`. */
export const WEBHOOK_TIMEOUT_RANGE = { min: 1, max: 30 } as const;

/**
 * The tier the stack and `mappings push` both give the mappings parameter. Intelligent-Tiering stores it as
 * Standard (free) while it fits 4 KB and upgrades it to Advanced when a larger document is written, without
 * failing; naming Standard or Advanced explicitly would fail on a shrink once the parameter became Advanced
 * (Advanced never goes back to Standard).
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const SSM_PARAMETER_TIER = 'Intelligent-Tiering';

/** SSM Parameter Store value limits, in bytes: Standard tier 4 KB, Advanced 8 KB. */
export const SSM_TIER_MAX_BYTES = { standard: 4096, advanced: 8192 } as const;

/** SSM exposes every Secrets Manager secret, read-only, under this path (one SDK client instead of two). */
export const SECRETS_MANAGER_REFERENCE = '/aws/reference/secretsmanager/';

/**
 * The stack's output names, read back by `docker-proxy-webhook manifests` and `mappings` from
 * `cdk deploy --outputs-file`.
 */
export const OUTPUT = {
  mutateUrl: 'MutateUrl',
  validateUrl: 'ValidateUrl',
  healthUrl: 'HealthUrl',
  mappingsParameterName: 'MappingsParameterName',
  dashboardUrl: 'DashboardUrl',
  alarmTopicArn: 'AlarmTopicArn',
  pathTokenSecretArn: 'PathTokenSecretArn',
  pathTokenSecretName: 'PathTokenSecretName',
  validateMode: 'ValidateMode',
  pathTokenCommand: 'PathTokenCommand',
  webhookTimeoutSeconds: 'WebhookTimeoutSeconds',
  customDomainTarget: 'CustomDomainTarget',
} as const;
export type OutputName = (typeof OUTPUT)[keyof typeof OUTPUT];

/** The placeholder for the path token in URLs (outputs, `manifests --url`): the token is never in a template. */
export const TOKEN_PLACEHOLDER = '{token}';
