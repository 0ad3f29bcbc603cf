/**
 * `/validate`: report (or deny) pods whose images are not pulled through a proxy. Runs after all mutating
 * webhooks, so it sees the final pod: an image still `rewritten`-able here means the mutating webhook did not
 * run (or was in observe mode); `unmapped` and `invalid` images have no proxy at all. Pure.
 */
import type { ImageDecision } from '../images/decision.ts';
import { problemWarning } from './mutate.ts';
import { type ContainerDecision, containerLabel, decidePod } from './pod.ts';
import { type AdmissionReview, allowed, denied, type ReviewOutcome, skippedOutcome } from './review.ts';

export interface ValidateOptions {
  /** `warn`: allowed with warnings. `deny`: denied (403) listing every image at fault. */
  readonly mode: 'warn' | 'deny';
}

/** Why an image is not pulled through a proxy; `undefined` when it is (or is deliberately ignored). */
function violation(entry: ContainerDecision): string | undefined {
  const { decision } = entry;
  if (decision.kind === 'rewritten')
    return `${containerLabel(entry.list, entry.container)}: ${decision.input} (mapped to ${decision.image} but not rewritten)`;
  if (decision.kind === 'unmapped')
    return `${containerLabel(entry.list, entry.container)}: ${decision.input} (no mapping)`;
  if (decision.kind === 'invalid')
    return `${containerLabel(entry.list, entry.container)}: ${JSON.stringify(decision.input)} (${decision.error.reason})`;
  return undefined;
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
  const violations = decisions.flatMap((entry) => violation(entry) ?? []);
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
  const warnings = decisions.flatMap((entry) => {
    if (entry.decision.kind === 'rewritten') {
      return `${containerLabel(entry.list, entry.container)}: ${entry.decision.input} is not pulled through its proxy`;
    }
    return problemWarning(entry) ?? [];
  });
  return { response: allowed(review, { warnings }), decisions, patched: false, denied: false };
}
