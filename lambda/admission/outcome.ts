/**
 * What the admission core returns for one review: the response plus what the log line and metrics need. Apart
 * from review.ts (the AdmissionReview envelope) so that pod.ts and review.ts do not import each other.
 */
import type { ContainerDecision } from './pod.ts';
import { type AdmissionReview, type AdmissionReviewResponse, allowed } from './review.ts';

/** One review's outcome. */
export interface ReviewOutcome {
  readonly response: AdmissionReviewResponse;
  readonly decisions: readonly ContainerDecision[];
  readonly patched: boolean;
  readonly denied: boolean;
  /** Why no image was examined (`not a pod`, `operation DELETE`, …); absent when images were examined. */
  readonly skipped?: string;
}

/** The outcome of a review that concerns no image (not a pod, DELETE, another subresource…). */
export function skippedOutcome(review: AdmissionReview, reason: string): ReviewOutcome {
  return { response: allowed(review), decisions: [], patched: false, denied: false, skipped: reason };
}
