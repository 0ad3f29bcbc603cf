/**
 * Which images of a review to examine. Shared by `/mutate` and `/validate` so both see the same containers.
 *
 * - Pod CREATE: every container, init container and ephemeral container.
 * - Pod UPDATE (`kubectl set image pod/p web=nginx:1.28`): only the containers whose image differs from
 *   `oldObject` (matched by list and name); the others were reviewed when the pod was created, and a label or
 *   finalizer change must never be judged on images nobody touched.
 * - Pod UPDATE on the `ephemeralcontainers` subresource (`kubectl debug`): only the ephemeral containers that
 *   are new in this request; the others were reviewed when they were added.
 * - Anything else — other kinds, other subresources (binding, eviction, status), DELETE, CONNECT — is skipped.
 */
import type { ImageDecision } from '../images/decision.ts';
import { type DescriptionForm, describeDecision } from '../images/describe.ts';
import { isObject } from './json.ts';
import type { AdmissionReview } from './review.ts';

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/** Container lists in the order the kubelet runs them (and the order decisions are reported). */
export const CONTAINER_LISTS: readonly ContainerList[] = [
  'initContainers',
  'containers',
  'ephemeralContainers',
];

/** One container whose image is to be decided. */
export interface PodContainer {
  readonly list: ContainerList;
  readonly index: number;
  readonly name: string;
  readonly image: string;
}

/** One container and what was decided for its image. */
export interface ContainerDecision {
  readonly list: ContainerList;
  readonly index: number;
  readonly container: string;
  readonly decision: ImageDecision;
}

/**
 * What the request does to the pod: `create`; `update`, a plain UPDATE of a running pod; `ephemeral`, an UPDATE
 * of the `ephemeralcontainers` subresource. On both updates `spec.imagePullSecrets` cannot change.
 */
export type PodChange = 'create' | 'update' | 'ephemeral';

export type PodSelection =
  | { readonly skipped: string }
  | {
      readonly skipped?: undefined;
      readonly pod: Record<string, unknown>;
      readonly containers: PodContainer[];
      readonly change: PodChange;
    };

function containersOf(pod: Record<string, unknown>, list: ContainerList): PodContainer[] {
  const spec = pod.spec;
  const items = isObject(spec) ? spec[list] : undefined;
  if (!Array.isArray(items)) return [];
  const found: PodContainer[] = [];
  items.forEach((item, index) => {
    // A container without a string image is the apiserver's to reject; nothing for us to patch.
    if (isObject(item) && typeof item.image === 'string') {
      found.push({
        list,
        index,
        name: typeof item.name === 'string' ? item.name : `#${index}`,
        image: item.image,
      });
    }
  });
  return found;
}

/** The containers of `list` whose image is new or differs from the same-named container in `old`. */
function changed(
  old: Record<string, unknown>,
  pod: Record<string, unknown>,
  list: ContainerList,
): PodContainer[] {
  const before = new Map(containersOf(old, list).map((c) => [c.name, c.image]));
  return containersOf(pod, list).filter((c) => before.get(c.name) !== c.image);
}

/** Picks the containers a review concerns, or says why there are none. */
export function selectContainers(review: AdmissionReview): PodSelection {
  const { request } = review;
  if (
    request.kind.kind !== 'Pod' ||
    request.resource.resource !== 'pods' ||
    (request.kind.group ?? '') !== ''
  ) {
    return { skipped: `not a pod (${request.kind.kind})` };
  }
  const subResource = request.subResource ?? '';
  if (!isObject(request.object)) return { skipped: 'no pod in request.object' };
  const pod = request.object;
  const old = isObject(request.oldObject) ? request.oldObject : {};
  if (request.operation === 'CREATE' && subResource === '') {
    return {
      pod,
      change: 'create',
      containers: CONTAINER_LISTS.flatMap((list) => containersOf(pod, list)),
    };
  }
  if (request.operation === 'UPDATE' && subResource === '') {
    return { pod, change: 'update', containers: CONTAINER_LISTS.flatMap((list) => changed(old, pod, list)) };
  }
  if (request.operation === 'UPDATE' && subResource === 'ephemeralcontainers') {
    const existing = new Set(containersOf(old, 'ephemeralContainers').map((c) => c.name));
    const added = containersOf(pod, 'ephemeralContainers').filter((c) => !existing.has(c.name));
    return { pod, change: 'ephemeral', containers: added };
  }
  return { skipped: `operation ${request.operation}${subResource === '' ? '' : ` on pods/${subResource}`}` };
}

/** How a container is named in warnings and in the original-images annotation. */
export function containerLabel(list: ContainerList, name: string): string {
  return list === 'containers' ? name : list === 'initContainers' ? `init:${name}` : `ephemeral:${name}`;
}

/**
 * A container's decision in one of the describer's forms, prefixed with the container (`init:migrate: …`):
 * the warnings and denial entries `/mutate` and `/validate` write. `undefined` when the form says nothing.
 */
export function describeContainer(entry: ContainerDecision, form: 'line' | 'reason' | 'change'): string;
export function describeContainer(entry: ContainerDecision, form: DescriptionForm): string | undefined;
export function describeContainer(entry: ContainerDecision, form: DescriptionForm): string | undefined {
  const text = describeDecision(entry.decision, form);
  return text === undefined ? undefined : `${containerLabel(entry.list, entry.container)}: ${text}`;
}

/** The pod a review concerns with each selected container's decision, or why there is none. */
export type DecidedPod =
  | { readonly skipped: string }
  | {
      readonly skipped?: undefined;
      readonly pod: Record<string, unknown>;
      readonly change: PodChange;
      readonly decisions: ContainerDecision[];
    };

/** Selects the containers ({@link selectContainers}) and decides each image: what `/mutate` and `/validate` share. */
export function decidePod(review: AdmissionReview, decide: (image: string) => ImageDecision): DecidedPod {
  const selection = selectContainers(review);
  if (selection.skipped !== undefined) return { skipped: selection.skipped };
  const decisions = selection.containers.map((c) => ({
    list: c.list,
    index: c.index,
    container: c.name,
    decision: decide(c.image),
  }));
  return { pod: selection.pod, change: selection.change, decisions };
}
