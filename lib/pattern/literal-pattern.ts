/** Bytes that make a Redis glob more than a literal. */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** The Redis glob that matches exactly `key` and nothing else. */
export function literalPattern(key: string): string {
  return key.replace(GLOB_SPECIAL, '\\$&');
}
