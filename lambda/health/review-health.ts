/**
 * The step between the decision cache and the admission core: which proxies a review's images would be
 * rewritten to, their health (probed if due, bounded), and a `decide` function that applies it. The decisions
 * the cache keeps are made without health, so a cached decision never carries another moment's health state;
 * health is applied to each review afresh.
 *
 * When no rule of the mappings checks health (documents written before health checks), this is the identity:
 * no extra pass, no probe, the same decisions as before.
 */
import { decidePod } from '../admission/pod.ts';
import type { AdmissionReview } from '../admission/review.ts';
import type { ImageDecision } from '../images/decision.ts';
import {
  ALL_UP,
  applyHealth,
  type HealthPolicies,
  type HealthSnapshot,
  proxiesToCheck,
} from '../images/proxy-health.ts';
import type { ProxyHealth } from './health.ts';

/** A review's `decide`, and the health it was decided under (for the log line). */
export interface HealthAwareDecider {
  readonly decide: (image: string) => ImageDecision;
  readonly health: HealthSnapshot;
}

/**
 * Builds the `decide` function for one review. `base` decides without health (the decision cache); `proxies`
 * probes. Waits at most the health cache's bound, and only when an image would go to a checked proxy.
 */
export async function decideWithHealth(
  review: AdmissionReview,
  base: (image: string) => ImageDecision,
  policies: HealthPolicies,
  proxies: ProxyHealth,
): Promise<HealthAwareDecider> {
  if (policies.size === 0) return { decide: base, health: ALL_UP };
  const decided = decidePod(review, base);
  if (decided.skipped !== undefined) return { decide: base, health: ALL_UP };
  const hosts = proxiesToCheck(
    decided.decisions.map((entry) => entry.decision),
    policies,
  );
  if (hosts.length === 0) return { decide: base, health: ALL_UP };
  const health = await proxies.check(hosts);
  return { decide: (image) => applyHealth(base(image), policies, health), health };
}
