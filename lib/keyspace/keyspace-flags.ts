import type { Redis } from 'ioredis';

/** `notify-keyspace-events` flags the module needs: keyevent notifications (E) of expirations (x). */
const REQUIRED_FLAGS = ['E', 'x'];

/** Which of `E` and `x` the flags lack (`A` is an alias that includes `x`); '' when none. */
export function missingKeyspaceFlags(current: string): string {
  return REQUIRED_FLAGS.filter(
    (flag) => !current.includes(flag) && !(flag === 'x' && current.includes('A')),
  ).join('');
}

/**
 * The flags with `E` and `x` added, keeping every flag already set.
 * Returns the input when nothing is missing.
 */
export function mergeKeyspaceFlags(current: string): string {
  return current + missingKeyspaceFlags(current);
}

/** `notify-keyspace-events` of one server, as `CONFIG GET` reads it. */
export async function readKeyspaceFlags(client: Redis): Promise<string> {
  const reply = (await client.config('GET', 'notify-keyspace-events')) as string[];
  return reply[1] ?? '';
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
    const before = await readKeyspaceFlags(client);
    const after = mergeKeyspaceFlags(before);
    if (after === before) return { kind: 'unchanged', flags: before };
    await client.config('SET', 'notify-keyspace-events', after);
    return { kind: 'merged', before, after };
  } catch (error) {
    return { kind: 'refused', reason: error instanceof Error ? error.message : String(error) };
  }
}
