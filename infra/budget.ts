/**
 * The failure budget (lambda/constants.ts FAILURE_BUDGET), derived for one stack: every timeout behind the
 * webhook's `timeoutSeconds` ends before the one in front of it, so a pod creation waits at most
 * `webhookTimeoutSeconds` whether the endpoint is down, slow, cold or throttled.
 */
import { FAILURE_BUDGET } from '../lambda/constants.ts';
import { WebhookPropsError } from './errors.ts';

/** The timeouts of one deployment. */
export interface FailureBudget {
  /** The webhook configurations' `timeoutSeconds`: the longest a pod creation waits. */
  readonly webhookTimeoutSeconds: number;
  /** The Lambda timeout. */
  readonly lambdaTimeoutSeconds: number;
  /** API Gateway's integration timeout (at most 29 s). */
  readonly integrationTimeoutMs: number;
  /** The longest a review waits on a mappings load. */
  readonly mappingsWaitMs: number;
}

/** API Gateway REST's largest integration timeout without a quota increase. */
const MAX_INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * Derives the budget from the webhook timeout; `lambdaTimeoutSeconds` may be given to override the derived
 * one, and is checked to fit.
 */
export function deriveBudget(webhookTimeoutSeconds: number, lambdaTimeoutSeconds?: number): FailureBudget {
  const lambdaSeconds = lambdaTimeoutSeconds ?? webhookTimeoutSeconds - FAILURE_BUDGET.lambdaMarginSeconds;
  if (lambdaSeconds >= webhookTimeoutSeconds) {
    throw new WebhookPropsError(
      `timeoutSeconds (${lambdaSeconds}) must be below webhookTimeoutSeconds (${webhookTimeoutSeconds}): the apiserver would give up first and apply its failurePolicy`,
    );
  }
  const mappingsWaitMs = FAILURE_BUDGET.mappingsWaitMs;
  if (lambdaSeconds * 1000 < mappingsWaitMs + FAILURE_BUDGET.reviewReserveMs) {
    throw new WebhookPropsError(
      `timeoutSeconds (${lambdaSeconds}) leaves no room for a cold start: the function may wait ${mappingsWaitMs} ms on the mappings and needs ${FAILURE_BUDGET.reviewReserveMs} ms more; use at least ${(mappingsWaitMs + FAILURE_BUDGET.reviewReserveMs) / 1000}`,
    );
  }
  const integrationTimeoutMs = Math.min(
    webhookTimeoutSeconds * 1000 - FAILURE_BUDGET.integrationMarginMs,
    MAX_INTEGRATION_TIMEOUT_MS,
  );
  return {
    webhookTimeoutSeconds,
    lambdaTimeoutSeconds: lambdaSeconds,
    integrationTimeoutMs: Math.max(integrationTimeoutMs, lambdaSeconds * 1000),
    mappingsWaitMs,
  };
}
