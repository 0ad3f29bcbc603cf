/**
 * `/mutate`: rewrite the pod's images to their proxies. Pure: review + decide → outcome.
 *
 * The patch, for each rewritten image, `replace`s exactly that image; adds the pull Secrets the proxies need to
 * `spec.imagePullSecrets` (appending, never removing or duplicating; the array is created when absent); and
 * records the originals in one annotation, {@link ORIGINAL_IMAGES_ANNOTATION}, merged with an earlier record so
 * the first original survives reinvocation. Reviewing the patched pod again yields no patch.
 */
import type { ImageDecision } from '../images/decision.ts';
import { isObject } from './json.ts';
import { type ReviewOutcome, skippedOutcome } from './outcome.ts';
import { appendItems, type JsonPatchOperation, pointer, replace, setMember } from './patch.ts';
import { containerLabel, decidePod, describeContainer } from './pod.ts';
import { type AdmissionReview, allowed, patched } from './review.ts';

/** Annotation recording each rewritten container's original image: JSON `{ "<container>": "<image>" }`. */
export const ORIGINAL_IMAGES_ANNOTATION = 'docker-proxy-webhook/original-images';

export interface MutateOptions {
  /** Compute and report everything, return no patch (the mappings document's `"mode": "observe"`). */
  readonly observe: boolean;
}

function readOriginals(pod: Record<string, unknown>): Record<string, string> | undefined {
  const metadata = pod.metadata;
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  const raw = isObject(annotations) ? annotations[ORIGINAL_IMAGES_ANNOTATION] : undefined;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isObject(parsed)) return undefined;
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return undefined;
  }
}

function existingPullSecrets(pod: Record<string, unknown>): Set<string> {
  const spec = pod.spec;
  const list = isObject(spec) ? spec.imagePullSecrets : undefined;
  const names = new Set<string>();
  if (Array.isArray(list))
    for (const item of list) if (isObject(item) && typeof item.name === 'string') names.add(item.name);
  return names;
}

/** Reviews a pod for `/mutate`. Never throws on any decoded review. */
export function mutateReview(
  review: AdmissionReview,
  decide: (image: string) => ImageDecision,
  options: MutateOptions,
): ReviewOutcome {
  const decided = decidePod(review, decide);
  if (decided.skipped !== undefined) return skippedOutcome(review, decided.skipped);
  const { pod, ephemeralUpdate, decisions } = decided;

  const warnings: string[] = [];
  const operations: JsonPatchOperation[] = [];
  const newOriginals: Record<string, string> = {};
  const neededSecrets: string[] = [];
  const rewritten: string[] = [];
  for (const entry of decisions) {
    const problem = describeContainer(entry, 'problem');
    if (problem !== undefined) warnings.push(problem);
    const { decision } = entry;
    if (decision.kind !== 'rewritten') continue;
    const label = containerLabel(entry.list, entry.container);
    rewritten.push(`${label}: ${decision.input} -> ${decision.image}`);
    operations.push(replace(pointer('spec', entry.list, entry.index, 'image'), decision.image));
    newOriginals[label] = decision.input;
    if (decision.pullSecret !== null && !neededSecrets.includes(decision.pullSecret)) {
      neededSecrets.push(decision.pullSecret);
    }
  }

  const have = existingPullSecrets(pod);
  const missing = neededSecrets.filter((name) => !have.has(name));
  if (ephemeralUpdate) {
    // The ephemeralcontainers subresource changes nothing but ephemeral containers: no secrets, no annotations.
    for (const name of missing) {
      warnings.push(
        `docker-proxy-webhook: pod lacks imagePullSecret ${name} for its proxy; the pull may fail`,
      );
    }
  } else if (operations.length > 0) {
    operations.push(
      ...appendItems(
        pod,
        ['spec', 'imagePullSecrets'],
        missing.map((name) => ({ name })),
      ),
    );
    // The first original wins: on reinvocation the pod already carries the record of what it asked for.
    const merged: Record<string, string> = { ...readOriginals(pod) };
    for (const [label, image] of Object.entries(newOriginals)) merged[label] ??= image;
    operations.push(
      setMember(pod, ['metadata', 'annotations'], ORIGINAL_IMAGES_ANNOTATION, JSON.stringify(merged)),
    );
  }

  const auditAnnotations: Record<string, string> = {};
  if (rewritten.length > 0) auditAnnotations['images-rewritten'] = rewritten.join(', ');
  const unmapped = decisions.filter((d) => d.decision.kind === 'unmapped').map((d) => d.decision.input);
  if (unmapped.length > 0) auditAnnotations['images-unmapped'] = [...new Set(unmapped)].join(', ');

  if (options.observe) {
    if (rewritten.length > 0) {
      warnings.unshift(
        `docker-proxy-webhook observe mode: ${rewritten.length} image(s) would be rewritten; pod left unchanged`,
      );
      auditAnnotations.mode = 'observe';
    }
    return {
      response: allowed(review, { warnings, auditAnnotations }),
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
