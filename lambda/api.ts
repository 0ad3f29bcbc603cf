import { createHash, timingSafeEqual } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { mutateReview } from './admission/mutate.ts';
import {
  type AdmissionReview,
  type AdmissionReviewResponse,
  allowed,
  decodeAdmissionReview,
  errored,
  type ReviewOutcome,
} from './admission/review.ts';
import { validateReview } from './admission/validate.ts';
import type { WebhookConfig } from './config.ts';
import type { ImageDecision } from './images/decision.ts';
import { decideImage } from './images/rewrite.ts';
import type { Mappings } from './mappings/schema.ts';
import type { MappingsSnapshot, MappingsSource } from './mappings/source.ts';
import { count, MetricName, recordReview, type Telemetry } from './telemetry.ts';

/**
 * The webhook behind API Gateway: the only module (with handler.ts, which wires it) that knows API Gateway.
 * Transport — route, method, content type, size, encoding, JSON — is checked here; policy lives in the pure
 * admission core. Errors before the review's uid is known are HTTP errors with a JSON `{ "message" }`;
 * after it, every outcome is a 200 AdmissionReview (controller-runtime's rule), so the apiserver can apply
 * its failure policy only to real transport failures.
 */

/** What the webhook needs; built once per cold start (handler.ts) or per local server (lambda/local). */
export interface WebhookDependencies {
  readonly config: WebhookConfig;
  readonly mappings: MappingsSource<Mappings>;
  readonly telemetry: Telemetry;
  /** Resolves the shared-secret path token; `undefined` when none is configured. Called per request: cache it. */
  readonly pathToken: () => Promise<string | undefined>;
}

/** API Gateway REST (payload v1) or HTTP API (payload v2) proxy event. */
export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
/** The proxy result both API Gateway flavours accept. */
export type ApiGatewayResult = APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;

/** The Lambda handler type `createHandler` returns. */
export type WebhookHandler = MiddyfiedHandler<ApiGatewayEvent, ApiGatewayResult, Error, Context>;

type Endpoint = 'mutate' | 'validate' | 'healthz';
/** HEAD on `/healthz` answers as GET does; the HTTP layer (API Gateway, the local server) sends no body. */
const ENDPOINT_METHODS: Readonly<Record<Endpoint, readonly string[]>> = {
  mutate: ['POST'],
  validate: ['POST'],
  healthz: ['GET', 'HEAD'],
};

/** One HTTP request, as both event versions describe it. */
interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiGatewayResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/** An HTTP error answered before a review's uid is known. */
const httpError = (statusCode: number, message: string, headers?: Record<string, string>): ApiGatewayResult =>
  json(statusCode, { message }, headers);

const NOT_FOUND = (): ApiGatewayResult => httpError(404, 'not found');

function isV2(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

/** Reads method, path and headers from either payload version; `undefined` when it is neither. */
function toHttpRequest(event: ApiGatewayEvent): HttpRequest | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  let method: unknown;
  let path: unknown;
  if (isV2(event)) {
    method = event.requestContext?.http?.method;
    path = event.rawPath;
    // HTTP APIs put a named stage in the path; `$default` has none.
    const stage = event.requestContext?.stage;
    if (
      typeof path === 'string' &&
      stage !== undefined &&
      stage !== '$default' &&
      path.startsWith(`/${stage}/`)
    ) {
      path = path.slice(stage.length + 1);
    }
  } else {
    // REST APIs give the path without the stage.
    method = event.httpMethod;
    path = event.path;
  }
  if (typeof method !== 'string' || typeof path !== 'string') return undefined;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: method.toUpperCase(),
    path,
    headers,
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

/** sha256 both sides, then compare in constant time: neither content nor length leaks through timing. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Maps a path to an endpoint, honouring the path token. Anything else is `undefined` (404). */
function route(path: string, token: string | undefined): Endpoint | undefined {
  const segments = path.replace(/\/$/, '').split('/').slice(1);
  let endpoint: string | undefined;
  if (token === undefined) {
    if (segments.length !== 1) return undefined;
    endpoint = segments[0];
  } else {
    // Compare the token even when the shape is wrong, so a miss costs the same either way.
    const ok = tokenMatches(segments.length === 2 ? (segments[0] ?? '') : '', token);
    if (!ok || segments.length !== 2) return undefined;
    endpoint = segments[1];
  }
  return endpoint === 'mutate' || endpoint === 'validate' || endpoint === 'healthz' ? endpoint : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes the body to a JSON value, or answers the HTTP error that says what is wrong with it. */
function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
): { value: unknown } | { error: ApiGatewayResult } {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return {
      error: httpError(
        415,
        `content-type must be application/json, got ${JSON.stringify(contentType ?? '')}`,
      ),
    };
  }
  const raw = request.body ?? '';
  const tooLarge = (size: number) =>
    httpError(413, `request body is ${size} bytes; the limit is ${maxBytes} bytes`);
  let text: string;
  if (request.isBase64Encoded) {
    const compact = raw.replace(/\s+/g, '');
    // Bound the work before decoding: 4 base64 characters carry 3 bytes.
    if ((compact.length / 4) * 3 - 2 > maxBytes)
      return { error: tooLarge(Math.floor((compact.length / 4) * 3)) };
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
      return { error: httpError(400, 'request body is marked isBase64Encoded but is not valid base64') };
    }
    const bytes = Buffer.from(compact, 'base64');
    if (bytes.length > maxBytes) return { error: tooLarge(bytes.length) };
    try {
      text = utf8.decode(bytes);
    } catch {
      return { error: httpError(400, 'request body is not valid UTF-8') };
    }
  } else {
    const size = Buffer.byteLength(raw);
    if (size > maxBytes) return { error: tooLarge(size) };
    text = raw;
  }
  if (text.length === 0)
    return { error: httpError(400, 'request body is empty; expected an AdmissionReview') };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: httpError(400, `request body is not valid JSON: ${(error as Error).message}`) };
  }
}

const NO_MAPPINGS_WARNING =
  'docker-proxy-webhook: no registry mappings are loaded yet; images left unchanged (see the webhook logs)';
const INTERNAL_ERROR_WARNING =
  'docker-proxy-webhook: internal error; pod admitted unchanged (see the webhook logs)';

/** Name, or the `generateName` prefix of pods created by controllers. */
function podName(review: AdmissionReview): string | undefined {
  const request = review.request;
  if (request.name) return request.name;
  const metadata = (request.object as { metadata?: { generateName?: unknown } } | undefined)?.metadata;
  return typeof metadata?.generateName === 'string' ? `${metadata.generateName}*` : undefined;
}

/** Longer image strings are decided but not cached (see {@link DecisionCache}). */
const MAX_CACHED_IMAGE_LENGTH = 512;

/**
 * Decisions are pure functions of (image, mappings), and a cluster pulls the same few hundred images over and
 * over: keep the most recent ones, for the mappings they were decided with. Bounded (LRU), so a stream of
 * distinct images cannot grow it; dropped whole when the mappings change.
 */
export class DecisionCache {
  readonly #max: number;
  #mappings: Mappings | undefined;
  readonly #entries = new Map<string, ImageDecision>();

  constructor(max = 4096) {
    this.#max = max;
  }

  /** A `decide` function for one review under `mappings`. */
  decider(mappings: Mappings): (image: string) => ImageDecision {
    if (this.#mappings !== mappings) {
      this.#entries.clear();
      this.#mappings = mappings;
    }
    return (image) => {
      let decision = this.#entries.get(image);
      if (decision !== undefined) {
        // Refresh its place: Map iteration order is insertion order, so the first key is the least recent.
        this.#entries.delete(image);
      } else {
        decision = decideImage(image, mappings);
        // Real references are far shorter; longer strings (hostile or broken) are decided every time rather than
        // allowed to fill the cache with megabytes.
        if (image.length > MAX_CACHED_IMAGE_LENGTH) return decision;
        if (this.#entries.size >= this.#max)
          this.#entries.delete(this.#entries.keys().next().value as string);
      }
      this.#entries.set(image, decision);
      return decision;
    };
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Answers one decoded review; never throws (fail-open or fail-closed on internal errors). */
async function answerReview(
  deps: WebhookDependencies & { readonly decisions: DecisionCache },
  endpoint: 'mutate' | 'validate',
  review: AdmissionReview,
): Promise<AdmissionReviewResponse> {
  const { telemetry, config } = deps;
  const request = review.request;
  const base = {
    endpoint,
    uid: request.uid,
    namespace: request.namespace,
    name: podName(review),
    operation: request.operation,
    subResource: request.subResource,
    dryRun: request.dryRun === true,
  };
  try {
    const snapshot: MappingsSnapshot<Mappings> = await deps.mappings.current();
    const mappings = snapshot.value;
    if (mappings === undefined) {
      count(telemetry, MetricName.ReviewsWithoutMappings);
      telemetry.logger.warn('review answered without mappings', { ...base, lastError: snapshot.lastError });
      return allowed(review, { warnings: [NO_MAPPINGS_WARNING] });
    }
    const decide = deps.decisions.decider(mappings);
    const outcome: ReviewOutcome =
      endpoint === 'mutate'
        ? mutateReview(review, decide, { observe: mappings.mode === 'observe' })
        : validateReview(review, decide, { mode: config.validateMode });
    recordReview(telemetry, {
      ...base,
      mappingsRevision: mappings.revision,
      observe: mappings.mode === 'observe',
      patched: outcome.patched,
      denied: outcome.denied,
      skipped: outcome.skipped,
      decisions: outcome.decisions,
    });
    return outcome.response;
  } catch (error) {
    count(telemetry, MetricName.ReviewErrors);
    // The error object only: its message never holds the pod spec (the core builds messages from images).
    telemetry.logger.error('review failed', {
      ...base,
      failClosed: config.failClosed,
      error: error as Error,
    });
    return config.failClosed
      ? errored(review, 'docker-proxy-webhook: internal error; denied because FAIL_CLOSED is set')
      : allowed(review, { warnings: [INTERNAL_ERROR_WARNING] });
  }
}

/**
 * `GET /healthz`: mappings state, never a secret. 503 until mappings were loaded once. Waits for the mappings
 * like a review does (bounded), so a health check on a cold instance reports the truth, not "loading".
 */
async function health(deps: WebhookDependencies): Promise<ApiGatewayResult> {
  const snapshot = await deps.mappings.current();
  const mappings = snapshot.value;
  const body = {
    status: mappings === undefined ? 'unavailable' : snapshot.stale ? 'degraded' : 'ok',
    mappings: {
      loaded: mappings !== undefined,
      version: mappings?.version,
      revision: mappings?.revision,
      mode: mappings?.mode,
      registries: mappings?.registryCount,
      ageSeconds: snapshot.ageMs === undefined ? undefined : Math.round(snapshot.ageMs / 1000),
      stale: snapshot.stale,
      lastError: snapshot.lastError,
    },
    validateMode: deps.config.validateMode,
    failClosed: deps.config.failClosed,
  };
  return json(mappings === undefined ? 503 : 200, body, { 'cache-control': 'no-store' });
}

/** Handles one API Gateway event. Exported for tests and the local server through {@link createHandler}. */
async function handleEvent(
  deps: WebhookDependencies & { readonly decisions: DecisionCache },
  event: ApiGatewayEvent,
): Promise<ApiGatewayResult> {
  const request = toHttpRequest(event);
  if (request === undefined) return httpError(400, 'not an API Gateway proxy event (REST v1 or HTTP API v2)');
  let token: string | undefined;
  try {
    token = await deps.pathToken();
  } catch (error) {
    // Cannot tell a good path from a bad one yet: not ready, and the apiserver applies its failurePolicy.
    count(deps.telemetry, MetricName.ReviewErrors);
    deps.telemetry.logger.error('path token could not be read', { error: (error as Error).message });
    return httpError(503, 'webhook not ready: its path token could not be read; see the webhook logs');
  }
  const endpoint = route(request.path, token);
  if (endpoint === undefined) return NOT_FOUND();
  const methods = ENDPOINT_METHODS[endpoint];
  if (!methods.includes(request.method)) {
    const allow = methods.join(', ');
    return httpError(405, `${request.method} is not allowed here; use ${methods.join(' or ')}`, { allow });
  }
  if (endpoint === 'healthz') return await health(deps);

  const body = readJsonBody(request, deps.config.maxBodyBytes);
  if ('error' in body) return body.error;
  const decoded = decodeAdmissionReview(body.value);
  if (!decoded.ok) return httpError(400, `request body is not an AdmissionReview: ${decoded.message}`);
  return json(200, await answerReview(deps, endpoint, decoded.review));
}

/**
 * Builds the Lambda handler: middy with Powertools' context injection (`logEvent` forced off: events carry
 * pod specs), one metrics flush per invocation (only when there is something to flush).
 */
export function createHandler(dependencies: WebhookDependencies): WebhookHandler {
  const deps = { ...dependencies, decisions: new DecisionCache() };
  const { logger, metrics } = deps.telemetry;
  return middy<ApiGatewayEvent, ApiGatewayResult, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .handler(async (event) => {
      try {
        return await handleEvent(deps, event);
      } catch (error) {
        // A bug in the transport layer: answer 500 (the apiserver applies its failurePolicy) rather than
        // crash the invocation; counted so the review-errors alarm fires.
        count(deps.telemetry, MetricName.ReviewErrors);
        logger.error('request failed before a review could be answered', { error: error as Error });
        return httpError(500, 'internal error; see the webhook logs');
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    });
}
