/**
 * The original-images record: one annotation, {@link ORIGINAL_IMAGES_ANNOTATION}, holding JSON
 * `{ "<container label>": "<image as the user wrote it>" }` for every container whose image `/mutate` rewrote.
 *
 * A recorded original is kept only while the container's current image is its rewrite. A manifest copied from a
 * running pod (`kubectl get pod -o yaml`) carries that pod's record, and a tag changed since (by hand, or by
 * `kubectl set image`) makes an entry stale: such entries are replaced (the image is rewritten now) or dropped.
 * Pure.
 */
import type { ImageDecision } from '../images/decision.ts';
import { isObject } from './json.ts';
import { type JsonPatchOperation, pointer, remove, setMember } from './patch.ts';
import type { PodChange } from './pod.ts';

/** Annotation recording each rewritten container's original image: JSON `{ "<container>": "<image>" }`. */
export const ORIGINAL_IMAGES_ANNOTATION = 'docker-proxy-webhook/original-images';

/** One examined container: its label, the image it has after the patch, and its original when rewritten now. */
export interface RecordEntry {
  readonly label: string;
  readonly image: string;
  /** The image as written, when this review rewrites it; `undefined` when the image stays as it is. */
  readonly rewrittenFrom: string | undefined;
}

/** The record on the pod, string entries only; `undefined` when absent or not a JSON object. */
export function readOriginalImages(pod: Record<string, unknown>): Map<string, string> | undefined {
  const metadata = pod.metadata;
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  const raw = isObject(annotations) ? annotations[ORIGINAL_IMAGES_ANNOTATION] : undefined;
  if (typeof raw !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isObject(parsed)) return undefined;
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return undefined;
  }
}

const sameRecord = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean =>
  a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);

/**
 * The operations that bring the record up to date with this review, or none when it already is.
 *
 * On `create` every container was examined, so the record is rebuilt from them (entries for containers the pod
 * does not have are dropped); on `update` only the examined containers' entries change. Each examined container
 * gets its original when rewritten now, keeps its recorded original when `decide` rewrites that original to
 * exactly the current image, and loses its entry otherwise.
 */
export function originalImagesPatch(
  pod: Record<string, unknown>,
  change: Exclude<PodChange, 'ephemeral'>,
  entries: readonly RecordEntry[],
  decide: (image: string) => ImageDecision,
): JsonPatchOperation[] {
  const existing = readOriginalImages(pod);
  // A Map, not an object: container names come from the request, and `__proto__` must stay a plain key.
  const next = new Map(change === 'create' ? [] : existing);
  const isRewriteOf = (original: string | undefined, image: string): boolean => {
    const decision = original === undefined ? undefined : decide(original);
    return decision?.kind === 'rewritten' && decision.image === image;
  };
  // Entries are decided per label: should two containers share one (which the apiserver rejects anyway), a
  // rewrite now wins, then a true recorded original, so that a second review finds nothing to change.
  const labels = [...new Set(entries.map((e) => e.label))];
  for (const label of labels) {
    const mine = entries.filter((e) => e.label === label);
    const recorded = existing?.get(label);
    const rewrittenFrom = mine.find((e) => e.rewrittenFrom !== undefined)?.rewrittenFrom;
    if (rewrittenFrom !== undefined) next.set(label, rewrittenFrom);
    else if (recorded !== undefined && mine.some((e) => isRewriteOf(recorded, e.image)))
      next.set(label, recorded);
    else next.delete(label);
  }
  if (sameRecord(next, existing ?? new Map())) return [];
  if (next.size === 0) return [remove(pointer('metadata', 'annotations', ORIGINAL_IMAGES_ANNOTATION))];
  return [
    setMember(
      pod,
      ['metadata', 'annotations'],
      ORIGINAL_IMAGES_ANNOTATION,
      JSON.stringify(Object.fromEntries(next)),
    ),
  ];
}
