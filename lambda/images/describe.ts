/**
 * The one describer of a decision: every text that explains an {@link ImageDecision} — the command line's
 * `rewrite` and `review`, the warnings `kubectl` shows, the `/validate` denial — is worded here, kind by kind,
 * so the surfaces cannot drift apart. Pure.
 */
import type { DecisionKind, ImageDecision } from './decision.ts';

/**
 * Which text to write:
 * - `line`: one line for humans (`nginx:1.27 → harbor.example.com/dockerhub/library/nginx:1.27 (…)`);
 * - `reason`: why the decision is what it is, in a few words (the command line's `reason`);
 * - `change`: what happens to the image: `nginx:1.27 -> harbor.example.com/…/nginx:1.27`, or the image alone
 *   when it stays (the `review` command's lines, the `images-rewritten` audit annotation);
 * - `problem`: the warning for an image that has no proxy to go through (unmapped, invalid); else none;
 * - `unproxied`: the `/validate` warning for an image not pulled through a proxy (a problem, or a mapped image
 *   left as it was); else none;
 * - `violation`: the `/validate` denial's entry for the same images; else none.
 */
export type DescriptionForm = 'line' | 'reason' | 'change' | 'problem' | 'unproxied' | 'violation';

type Of<K extends DecisionKind> = Extract<ImageDecision, { kind: K }>;

/** Each kind's wording, one row per kind; a missing form means "nothing to say" (`undefined`). */
type Wording<D> = { readonly line: (d: D) => string; readonly reason: (d: D) => string } & {
  readonly [F in Exclude<DescriptionForm, 'line' | 'reason' | 'change'>]?: (d: D) => string;
};

const rule = (key: string): string => `registries[${JSON.stringify(key)}]`;

const WORDING: { readonly [K in DecisionKind]: Wording<Of<K>> } = {
  rewritten: {
    line: (d) =>
      `${d.input} → ${d.image} (${rule(d.rule)}${d.pullSecret === null ? '' : `, pull secret ${d.pullSecret}`})`,
    reason: (d) => rule(d.rule),
    unproxied: (d) => `${d.input} is not pulled through its proxy`,
    violation: (d) => `${d.input} (mapped to ${d.image} but not rewritten)`,
  },
  'already-proxied': {
    line: (d) => `${d.input} is already under the proxy of ${rule(d.rule)}`,
    reason: (d) => `already under the proxy of ${rule(d.rule)}`,
  },
  ignored: {
    line: (d) => `${d.input} is ignored (${JSON.stringify(d.rule)})`,
    reason: (d) => `ignore ${JSON.stringify(d.rule)}`,
  },
  unmapped: {
    line: (d) =>
      d.reason === undefined ? `${d.input} (${d.normalized}) matches no mapping` : `${d.input}: ${d.reason}`,
    reason: (d) => d.reason ?? `no registries key matches ${d.normalized}`,
    problem: (d) =>
      d.reason === undefined
        ? `no proxy mapping for ${d.input}; pulled from upstream`
        : `${d.input} not rewritten: ${d.reason}`,
    violation: (d) => `${d.input} (no mapping)`,
  },
  'proxy-unavailable': {
    line: (d) => `${d.input} left as is: proxy ${d.proxy} is down (${rule(d.rule)} falls back to upstream)`,
    reason: (d) => `proxy ${d.proxy} is down; ${rule(d.rule)} falls back to upstream`,
    problem: (d) => `proxy ${d.proxy} is down; ${d.input} pulled from upstream`,
  },
  invalid: {
    line: (d) => d.error.message,
    reason: (d) => d.error.reason,
    problem: (d) => `invalid image ${JSON.stringify(d.input)}: ${d.error.reason}`,
    violation: (d) => `${JSON.stringify(d.input)} (${d.error.reason})`,
  },
};

/** Describes one decision in the given form (default `line`); see {@link DescriptionForm}. */
export function describeDecision(decision: ImageDecision, form?: 'line' | 'reason' | 'change'): string;
export function describeDecision(decision: ImageDecision, form: DescriptionForm): string | undefined;
export function describeDecision(
  decision: ImageDecision,
  form: DescriptionForm = 'line',
): string | undefined {
  const wording = WORDING[decision.kind] as Wording<ImageDecision>;
  if (form === 'change') {
    return decision.image === decision.input ? decision.input : `${decision.input} -> ${decision.image}`;
  }
  if (form === 'unproxied') return (wording.unproxied ?? wording.problem)?.(decision);
  return wording[form]?.(decision);
}
