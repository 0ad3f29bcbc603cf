/** A JSON object (not null, not an array): the one shape check every admission module needs. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
