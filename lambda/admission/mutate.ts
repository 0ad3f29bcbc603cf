/**
 * `/mutate`: rewrite the pod's images to their proxies. Pure: review + decide → outcome.
 *
 * The patch, for each rewritten image, `replace`s exactly that image; on CREATE adds the pull Secrets the proxies
 * need to `spec.imagePullSecrets` (appending, never removing or duplicating; the array is created when absent);
 * and keeps the original-images record (original-images.ts) up to date. Reviewing the patched pod again yields
 * no patch. On a running pod (plain UPDATE, `pods/ephemeralcontainers`) the pull secrets cannot change: an image
 * whose proxy needs a secret the pod lacks is left as written, with a warning, rather than turned into an
 * ImagePullBackOff. The `ephemeralcontainers` subresource changes nothing but ephemeral containers, so there
 * the record is not touched either.
 */
import type { ImageDecision } from '../images/decision.ts';
import { isObject } from './json.ts';
import { originalImagesPatch } from './original-images.ts';
import { type ReviewOutcome, skippedOutcome } from './outcome.ts';
import { appendItems, type JsonPatchOperation, pointer, replace } from './patch.ts';
import {
  type ContainerDecision,
  containerLabel,
  decidePod,
  describeContainer,
  type PodChange,
} from './pod.ts';
import { type AdmissionReview, allowed, patched, WARNING_MAX_LENGTH } from './review.ts';

export { ORIGINAL_IMAGES_ANNOTATION } from './original-images.ts';

export interface MutateOptions {
  /** Compute and report everything, return no patch (the mappings document's `"mode": "observe"`). */
  readonly observe: boolean;
}

function existingPullSecrets(pod: Record<string, unknown>): Set<string> {
  const spec = pod.spec;
  const list = isObject(spec) ? spec.imagePullSecrets : undefined;
  const names = new Set<string>();
  if (Array.isArray(list))
    for (const item of list) if (isObject(item) && typeof item.name === 'string') names.add(item.name);
  return names;
}

/**
 * On a running pod, an image whose proxy needs a pull secret the pod lacks is left as written: `unmapped`, with
 * the reason (the secret cannot be added, and a rewrite would turn a working update into ImagePullBackOff).
 */
function withoutMissingSecret(entry: ContainerDecision, have: ReadonlySet<string>): ContainerDecision {
  const { decision } = entry;
  if (decision.kind !== 'rewritten' || decision.pullSecret === null || have.has(decision.pullSecret))
    return entry;
  const reason = `the pod lacks imagePullSecret ${decision.pullSecret} its proxy needs`;
  const { input, normalized } = decision;
  return { ...entry, decision: { kind: 'unmapped', input, image: input, normalized, reason } };
}

const OBSERVE_PREFIX = 'observe mode: would rewrite ';

/** Observe mode names each image it would rewrite; one too long for a warning is counted, the logs name it. */
function observeWarnings(rewrites: readonly string[]): string[] {
  const named = rewrites.map((r) => `${OBSERVE_PREFIX}${r}`).filter((w) => w.length <= WARNING_MAX_LENGTH);
  const rest = rewrites.length - named.length;
  if (rest > 0) {
    named.push(
      `docker-proxy-webhook observe mode: ${rest} ${named.length > 0 ? 'more ' : ''}image(s) would be rewritten; see the webhook logs`,
    );
  }
  return named;
}

/** The patch for the rewrites of one review: images, pull secrets (CREATE only), original-images record. */
function buildPatch(
  pod: Record<string, unknown>,
  change: PodChange,
  decisions: readonly ContainerDecision[],
  decide: (image: string) => ImageDecision,
): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  const neededSecrets = new Set<string>();
  for (const { list, index, decision } of decisions) {
    if (decision.kind !== 'rewritten') continue;
    operations.push(replace(pointer('spec', list, index, 'image'), decision.image));
    if (decision.pullSecret !== null) neededSecrets.add(decision.pullSecret);
  }
  if (change === 'ephemeral') return operations;
  if (change === 'create') {
    const have = existingPullSecrets(pod);
    const missing = [...neededSecrets].filter((name) => !have.has(name)).map((name) => ({ name }));
    operations.push(...appendItems(pod, ['spec', 'imagePullSecrets'], missing));
  }
  const entries = decisions.map(({ list, container, decision }) => ({
    label: containerLabel(list, container),
    image: decision.image,
    rewrittenFrom: decision.kind === 'rewritten' ? decision.input : undefined,
  }));
  operations.push(...originalImagesPatch(pod, change, entries, decide));
  return operations;
}

/** Reviews a pod for `/mutate`. Never throws on any decoded review. */
export function mutateReview(
  review: AdmissionReview,
  decide: (image: string) => ImageDecision,
  options: MutateOptions,
): ReviewOutcome {
  const decided = decidePod(review, decide);
  if (decided.skipped !== undefined) return skippedOutcome(review, decided.skipped);
  const { pod, change } = decided;
  const have = existingPullSecrets(pod);
  const decisions =
    change === 'create'
      ? decided.decisions
      : decided.decisions.map((entry) => withoutMissingSecret(entry, have));
  const operations = buildPatch(pod, change, decisions, decide);

  const rewrites: string[] = [];
  const warnings: string[] = [];
  decisions.forEach((entry, i) => {
    const { decision } = entry;
    if (decision.kind === 'rewritten') {
      rewrites.push(describeContainer(entry, 'change'));
    }
    // In observe mode nothing is rewritten, so a pull secret the proxy would need is no one's concern.
    const leftForSecret = entry !== decided.decisions[i];
    if (options.observe && leftForSecret) return;
    const problem = describeContainer(entry, 'problem');
    if (problem !== undefined) warnings.push(problem);
  });

  const auditAnnotations: Record<string, string> = {};
  if (rewrites.length > 0) auditAnnotations['images-rewritten'] = rewrites.join(', ');
  const unmapped = decisions.filter((d) => d.decision.kind === 'unmapped').map((d) => d.decision.input);
  if (unmapped.length > 0) auditAnnotations['images-unmapped'] = [...new Set(unmapped)].join(', ');

  if (options.observe) {
    if (rewrites.length > 0) auditAnnotations.mode = 'observe';
    return {
      response: allowed(review, { warnings: [...observeWarnings(rewrites), ...warnings], auditAnnotations }),
      decisions,
      patched: false,
      denied: false,
    };
  }
  return {
    response: patched(review, operations, { warnings, auditAnnotations }),
    decisions,
    patched: operations.length > 0,
    denied: false,
  };
}
