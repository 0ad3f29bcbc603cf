/**
 * `/validate`: report (or deny) pods whose images are not pulled through a proxy. Runs after all mutating
 * webhooks, so it sees the final pod: an image still `rewritten`-able here means the mutating webhook did not
 * run (or was in observe mode); `unmapped` and `invalid` images have no proxy at all. Pure.
 */

import type { ValidateMode } from '../constants.ts';
import type { ImageDecision } from '../images/decision.ts';
import { type ReviewOutcome, skippedOutcome } from './outcome.ts';
import { decidePod, describeContainer } from './pod.ts';
import { type AdmissionReview, allowed, denied } from './review.ts';

export interface ValidateOptions {
  /** `warn`: allowed with warnings. `deny`: denied (403) listing every image at fault. */
  readonly mode: ValidateMode;
}

/** Reviews a pod for `/validate`. Never throws on any decoded review. */
export function validateReview(
  review: AdmissionReview,
  decide: (image: string) => ImageDecision,
  options: ValidateOptions,
): ReviewOutcome {
  const decided = decidePod(review, decide);
  if (decided.skipped !== undefined) return skippedOutcome(review, decided.skipped);
  const { decisions } = decided;
  const violations = decisions.flatMap((entry) => describeContainer(entry, 'violation') ?? []);
  if (violations.length === 0) return { response: allowed(review), decisions, patched: false, denied: false };
  if (options.mode === 'deny') {
    const message = `docker-proxy-webhook: images not pulled through a proxy: ${violations.join('; ')}. Add a mapping or an ignore entry, or use the proxied image.`;
    return {
      response: denied(review, message, { auditAnnotations: { 'images-denied': violations.join('; ') } }),
      decisions,
      patched: false,
      denied: true,
    };
  }
  const warnings = decisions.flatMap((entry) => describeContainer(entry, 'unproxied') ?? []);
  return { response: allowed(review, { warnings }), decisions, patched: false, denied: false };
}
