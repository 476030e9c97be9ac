import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DONE, ShardPosition } from './task-store';

/** A sorted-set score as Redis formats it (an integer, a decimal, or ±inf). */
const SCORE = /^(-?(\d+(\.\d+)?(e[-+]?\d+)?)|[-+]?inf)$/i;

/**
 * The opaque cursor of `DelayTaskService.list`: where each shard's walk
 * stands, as base64url JSON. A cursor that does not decode to exactly that
 * is refused before any Redis call.
 */
export function encodeListCursor(positions: readonly ShardPosition[]): string | null {
  if (positions.every((position) => position === DONE)) return null;
  const wire = positions.map((position) =>
    position === null || position === DONE ? position : [position.score, position.member],
  );
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

export function decodeListCursor(cursor: string, shards: number): ShardPosition[] {
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    wire = undefined;
  }
  if (!Array.isArray(wire) || wire.length !== shards) throw forged();
  return wire.map((entry: unknown): ShardPosition => {
    if (entry === null || entry === DONE) return entry;
    if (
      Array.isArray(entry) &&
      entry.length === 2 &&
      typeof entry[0] === 'string' &&
      SCORE.test(entry[0]) &&
      typeof entry[1] === 'string'
    ) {
      return { score: entry[0], member: entry[1] };
    }
    throw forged();
  });
}

function forged(): InvalidOptionsError {
  return new InvalidOptionsError(
    'list: "cursor" must be one returned by a previous call of list() with the same state.',
  );
}
