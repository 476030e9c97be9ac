import type { Redis } from 'ioredis';

/** `notify-keyspace-events` flags the module needs: keyevent notifications (E) of expirations (x). */
const REQUIRED_FLAGS = ['E', 'x'];

/**
 * The flags with `E` and `x` added, keeping every flag already set.
 * `A` is an alias that includes `x`. Returns the input when nothing is missing.
 */
export function mergeKeyspaceFlags(current: string): string {
  const missing = REQUIRED_FLAGS.filter(
    (flag) => !current.includes(flag) && !(flag === 'x' && current.includes('A')),
  );
  return current + missing.join('');
}

/** Outcome of making sure a Redis publishes expired events. */
export type KeyspaceFlagsOutcome =
  | { kind: 'unchanged'; flags: string }
  | { kind: 'merged'; before: string; after: string }
  | { kind: 'refused'; reason: string };

/**
 * Reads `notify-keyspace-events` and adds what is missing.
 *
 * NOTE: `CONFIG SET` is neither persisted nor replicated, so callers re-apply
 * this after every reconnect and on every master; the module never runs
 * `CONFIG REWRITE`, which would edit the server's configuration file.
 */
export async function ensureKeyspaceFlags(client: Redis): Promise<KeyspaceFlagsOutcome> {
  try {
    const reply = (await client.config('GET', 'notify-keyspace-events')) as string[];
    const before = reply[1] ?? '';
    const after = mergeKeyspaceFlags(before);
    if (after === before) return { kind: 'unchanged', flags: before };
    await client.config('SET', 'notify-keyspace-events', after);
    return { kind: 'merged', before, after };
  } catch (error) {
    return { kind: 'refused', reason: error instanceof Error ? error.message : String(error) };
  }
}
