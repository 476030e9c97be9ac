/**
 * A query-string number for the service to check: absent stays `undefined`,
 * anything else becomes a number (`'abc'` becomes NaN, which the service
 * refuses with its named error, answered 400).
 */
export function queryNumber(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

/** A query-string text: absent or empty stays `undefined` (the service's default). */
export function queryText(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
