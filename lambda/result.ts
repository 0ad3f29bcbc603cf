/**
 * The one result type for operations that fail on bad input without throwing: reference parsing, review
 * decoding, mappings parsing, loads. Throwing stays for bugs and for the command line's usage errors.
 */

/** Success with a value, or failure with an error. */
export type Result<T, E = Error> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

/** A success. */
export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

/** A failure. */
export const err = <E>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error });

/** Turns a thrown value into an `Error` (for `catch (error: unknown)`), keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
}
