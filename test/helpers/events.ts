import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { loadFixture } from './fixtures.ts';

/** What a test varies in an API Gateway event; the rest comes from the AWS documentation's examples. */
export interface EventParts {
  readonly method?: string;
  readonly path?: string;
  readonly body?: string | null;
  readonly contentType?: string | null;
  readonly isBase64Encoded?: boolean;
  /** HTTP API stage (`$default` has no path prefix). */
  readonly stage?: string;
}

/** An API Gateway REST API (payload v1) proxy event, as the docs' example with our parts in. */
export function restEvent(parts: EventParts = {}): APIGatewayProxyEvent {
  const event = structuredClone(loadFixture<APIGatewayProxyEvent>('apigateway/rest-v1.json'));
  const method = parts.method ?? 'POST';
  const path = parts.path ?? '/mutate';
  event.httpMethod = method;
  event.path = path;
  event.resource = path;
  event.requestContext.httpMethod = method;
  event.requestContext.path = `/prod${path}`;
  event.requestContext.resourcePath = path;
  event.body = parts.body ?? null;
  event.isBase64Encoded = parts.isBase64Encoded ?? false;
  setContentType(event.headers, 'Content-Type', parts.contentType);
  if (event.multiValueHeaders !== null && event.multiValueHeaders !== undefined) {
    if (parts.contentType === null) delete event.multiValueHeaders['Content-Type'];
    else if (parts.contentType !== undefined) event.multiValueHeaders['Content-Type'] = [parts.contentType];
  }
  return event;
}

/** An API Gateway HTTP API (payload v2) proxy event, as the docs' example with our parts in. */
export function httpApiEvent(parts: EventParts = {}): APIGatewayProxyEventV2 {
  const event = structuredClone(loadFixture<APIGatewayProxyEventV2>('apigateway/http-v2.json'));
  const method = parts.method ?? 'POST';
  const stage = parts.stage ?? '$default';
  const path = (stage === '$default' ? '' : `/${stage}`) + (parts.path ?? '/mutate');
  event.rawPath = path;
  event.routeKey = `${method} ${parts.path ?? '/mutate'}`;
  event.requestContext.routeKey = event.routeKey;
  event.requestContext.http.method = method;
  event.requestContext.http.path = path;
  event.requestContext.stage = stage;
  if (parts.body === null || parts.body === undefined) delete event.body;
  else event.body = parts.body;
  event.isBase64Encoded = parts.isBase64Encoded ?? false;
  event.headers['content-length'] = String(Buffer.byteLength(parts.body ?? ''));
  setContentType(event.headers, 'content-type', parts.contentType);
  return event;
}

function setContentType(
  headers: Record<string, string | undefined>,
  name: string,
  value: string | null | undefined,
) {
  if (value === null) delete headers[name];
  else if (value !== undefined) headers[name] = value;
}

/** A Lambda context as the runtime passes it (values from the AWS documentation's example). */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'docker-proxy-webhook',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:docker-proxy-webhook',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/docker-proxy-webhook',
    logStreamName: '2026/11/24/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 3000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
