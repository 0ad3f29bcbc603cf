/**
 * The webhook's transport: API Gateway proxy events (REST v1 and HTTP API v2) in, proxy results out — the only
 * module that knows API Gateway event shapes. Route, method, path token, content type, size, encoding and JSON
 * are checked here; the decisions are the webhook's (webhook.ts). Errors before the review's uid is known are
 * HTTP errors with a JSON `{ "message" }`; after it, every outcome is a 200 AdmissionReview
 * (controller-runtime's rule), so the apiserver applies its failure policy only to real transport failures.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { decodeAdmissionReview } from './admission/review.ts';
import { toError } from './result.ts';
import { count, MetricName, type Telemetry } from './telemetry.ts';
import type { Webhook } from './webhook.ts';

/** API Gateway REST (payload v1) or HTTP API (payload v2) proxy event. */
export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
/** The proxy result both API Gateway flavours accept. */
export type ApiGatewayResult = APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;

/** What the transport needs besides the webhook. */
export interface ApiGatewayOptions {
  readonly telemetry: Telemetry;
  /** Largest request body accepted, in bytes; larger bodies get HTTP 413. */
  readonly maxBodyBytes: number;
  /** Resolves the shared-secret path token; `undefined` when none is configured. */
  readonly pathToken: () => Promise<string | undefined>;
  /**
   * API Gateway already checked the token (a literal path part): with no token of its own, the function routes
   * `/<token>/<endpoint>` on the endpoint. @default false
   */
  readonly pathTokenCheckedUpstream?: boolean;
}

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

/** An HTTP error answered before a review's uid is known: a JSON `{ "message" }`. */
const httpError = (statusCode: number, message: string, headers?: Record<string, string>): ApiGatewayResult =>
  json(statusCode, { message }, headers);

function isV2(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

/** Method and path of either payload version; HTTP APIs put a named stage in the path, `$default` has none. */
function methodAndPath(event: ApiGatewayEvent): { method: unknown; path: unknown } {
  if (!isV2(event)) return { method: event.httpMethod, path: event.path }; // REST: path without the stage
  const path = event.rawPath;
  const stage = event.requestContext?.stage;
  const staged =
    typeof path === 'string' && stage !== undefined && stage !== '$default' && path.startsWith(`/${stage}/`);
  return { method: event.requestContext?.http?.method, path: staged ? path.slice(stage.length + 1) : path };
}

/** Reads method, path and headers from either payload version; `undefined` when it is neither. */
function toHttpRequest(event: ApiGatewayEvent): HttpRequest | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { method, path } = methodAndPath(event);
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
function route(path: string, token: string | undefined, checkedUpstream: boolean): Endpoint | undefined {
  const segments = path.replace(/\/$/, '').split('/').slice(1);
  let endpoint: string | undefined;
  if (token === undefined && checkedUpstream) {
    if (segments.length !== 2) return undefined;
    endpoint = segments[1];
  } else if (token === undefined) {
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

/** The body's text within `maxBytes`, decoding base64 and UTF-8 when marked so; or the HTTP error. */
function bodyText(request: HttpRequest, maxBytes: number): { text: string } | { error: ApiGatewayResult } {
  const raw = request.body ?? '';
  const tooLarge = (size: number) => ({
    error: httpError(413, `request body is ${size} bytes; the limit is ${maxBytes} bytes`),
  });
  if (!request.isBase64Encoded) {
    const size = Buffer.byteLength(raw);
    return size > maxBytes ? tooLarge(size) : { text: raw };
  }
  const compact = raw.replace(/\s+/g, '');
  // Bound the work before decoding: 4 base64 characters carry 3 bytes.
  if ((compact.length / 4) * 3 - 2 > maxBytes) return tooLarge(Math.floor((compact.length / 4) * 3));
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    return { error: httpError(400, 'request body is marked isBase64Encoded but is not valid base64') };
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) return tooLarge(bytes.length);
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { error: httpError(400, 'request body is not valid UTF-8') };
  }
}

/** Decodes the body to a JSON value, or answers the HTTP error that says what is wrong with it. */
function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
): { value: unknown } | { error: ApiGatewayResult } {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    const got = JSON.stringify(contentType ?? '');
    return { error: httpError(415, `content-type must be application/json, got ${got}`) };
  }
  const body = bodyText(request, maxBytes);
  if ('error' in body) return body;
  if (body.text.length === 0)
    return { error: httpError(400, 'request body is empty; expected an AdmissionReview') };
  try {
    return { value: JSON.parse(body.text) };
  } catch (error) {
    return { error: httpError(400, `request body is not valid JSON: ${toError(error).message}`) };
  }
}

/** Answers one event; throws only on a bug (the caller answers 500). */
async function handleEvent(
  webhook: Webhook,
  options: ApiGatewayOptions,
  event: ApiGatewayEvent,
): Promise<ApiGatewayResult> {
  const request = toHttpRequest(event);
  if (request === undefined) return httpError(400, 'not an API Gateway proxy event (REST v1 or HTTP API v2)');
  let token: string | undefined;
  try {
    token = await options.pathToken();
  } catch (error) {
    // Cannot tell a good path from a bad one yet: not ready, and the apiserver applies its failurePolicy.
    count(options.telemetry, MetricName.ReviewErrors);
    options.telemetry.logger.error('path token could not be read', { error: toError(error).message });
    return httpError(503, 'webhook not ready: its path token could not be read; see the webhook logs');
  }
  const endpoint = route(request.path, token, options.pathTokenCheckedUpstream === true);
  if (endpoint === undefined) return httpError(404, 'not found');
  const methods = ENDPOINT_METHODS[endpoint];
  if (!methods.includes(request.method)) {
    const allow = methods.join(', ');
    return httpError(405, `${request.method} is not allowed here; use ${methods.join(' or ')}`, { allow });
  }
  if (endpoint === 'healthz') {
    // 503 until mappings were loaded once, so a load balancer or probe sees "not ready".
    const report = await webhook.health();
    return json(report.status === 'unavailable' ? 503 : 200, report, { 'cache-control': 'no-store' });
  }
  const body = readJsonBody(request, options.maxBodyBytes);
  if ('error' in body) return body.error;
  const decoded = decodeAdmissionReview(body.value);
  if (!decoded.ok) return httpError(400, `request body is not an AdmissionReview: ${decoded.error.message}`);
  return json(200, await webhook.review(endpoint, decoded.value));
}

/**
 * Puts the webhook behind API Gateway: the returned function answers every event and never throws. A bug in
 * the transport answers 500 (the apiserver applies its failurePolicy) and is counted, so the review-errors alarm
 * fires.
 */
export function createApiGatewayAdapter(
  webhook: Webhook,
  options: ApiGatewayOptions,
): (event: ApiGatewayEvent) => Promise<ApiGatewayResult> {
  return async (event) => {
    try {
      return await handleEvent(webhook, options, event);
    } catch (error) {
      count(options.telemetry, MetricName.ReviewErrors);
      options.telemetry.logger.error('request failed before a review could be answered', {
        error: toError(error),
      });
      return httpError(500, 'internal error; see the webhook logs');
    }
  };
}
