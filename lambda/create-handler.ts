/**
 * The middy chain the Lambda entry (handler.ts) runs, apart from the entry so that tests, the local server and
 * the benchmarks build handlers without the cold-start side effects of importing handler.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type ApiGatewayEvent, type ApiGatewayResult, createApiGatewayAdapter } from './api-gateway.ts';
import { createWebhook, type WebhookDependencies } from './webhook.ts';

/** The Lambda handler type `createHandler` returns. */
export type WebhookHandler = MiddyfiedHandler<ApiGatewayEvent, ApiGatewayResult, Error, Context>;

/**
 * Builds the Lambda handler: the webhook behind its API Gateway adapter, in middy with Powertools' context
 * injection (`logEvent` forced off: events carry pod specs), one metrics flush per invocation (only when there
 * is something to flush).
 */
export function createHandler(dependencies: WebhookDependencies): WebhookHandler {
  const { telemetry, config, pathToken } = dependencies;
  const answer = createApiGatewayAdapter(createWebhook(dependencies), {
    telemetry,
    maxBodyBytes: config.maxBodyBytes,
    pathToken,
    pathTokenCheckedUpstream: config.pathTokenCheckedUpstream,
  });
  const { logger, metrics } = telemetry;
  return middy<ApiGatewayEvent, ApiGatewayResult, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .handler(async (event) => {
      try {
        return await answer(event);
      } finally {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    });
}
