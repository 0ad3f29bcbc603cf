/**
 * The decision cache: decisions are pure functions of (image, mappings), and a cluster pulls the same few hundred
 * images over and over, so the webhook keeps the most recent ones for the mappings they were decided with.
 */

import type { ImageDecision } from './decision.ts';
import { decideImage, type RewriteRules } from './rewrite.ts';

/** Longer image strings are decided but not cached (see {@link DecisionCache}). */
const MAX_CACHED_IMAGE_LENGTH = 512;

/**
 * Bounded (LRU), so a stream of distinct images cannot grow it; dropped whole when the mappings change.
 */
export class DecisionCache {
  readonly #max: number;
  #mappings: RewriteRules | undefined;
  readonly #entries = new Map<string, ImageDecision>();

  constructor(max = 4096) {
    this.#max = max;
  }

  /** A `decide` function for one review under `mappings`. */
  decider(mappings: RewriteRules): (image: string) => ImageDecision {
    if (this.#mappings !== mappings) {
      this.#entries.clear();
      this.#mappings = mappings;
    }
    return (image) => {
      let decision = this.#entries.get(image);
      if (decision !== undefined) {
        // Refresh its place: Map iteration order is insertion order, so the first key is the least recent.
        this.#entries.delete(image);
      } else {
        decision = decideImage(image, mappings);
        // Real references are far shorter; longer strings (hostile or broken) are decided every time rather than
        // allowed to fill the cache with megabytes.
        if (image.length > MAX_CACHED_IMAGE_LENGTH) return decision;
        if (this.#entries.size >= this.#max)
          this.#entries.delete(this.#entries.keys().next().value as string);
      }
      this.#entries.set(image, decision);
      return decision;
    };
  }

  /** How many decisions are kept. */
  get size(): number {
    return this.#entries.size;
  }
}
