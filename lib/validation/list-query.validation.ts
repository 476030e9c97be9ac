import { describe } from '../delay-task.messages';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { TaskListQuery } from '../interfaces/task-info.interface';
import { decodeListCursor } from '../store/list-cursor';
import { ListPageQuery, ShardPosition } from '../store/task-store';
import { validatePattern } from './task-input.validation';

/** Most tasks one page of `list` returns. */
const MAX_LIST_LIMIT = 1_000;
const DEFAULT_LIST_LIMIT = 100;

/** A validated `list` query: the page to ask each shard for, and where each shard stands. */
export interface ValidListQuery {
  page: ListPageQuery;
  positions: ShardPosition[];
}

/** Checks a `list` query before any Redis call; throws `InvalidOptionsError` / `InvalidPatternError`. */
export function validateListQuery(query: TaskListQuery, shards: number): ValidListQuery {
  if (query === null || typeof query !== 'object') {
    throw new InvalidOptionsError(`list takes an options object, got ${describe(query)}.`);
  }
  const state = query.state ?? 'pending';
  if (state !== 'pending' && state !== 'active') {
    throw new InvalidOptionsError(
      `list: "state" must be 'pending' or 'active', got ${describe(query.state)}.`,
    );
  }
  const pattern = query.pattern === undefined ? '*' : validatePattern(query.pattern);
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidOptionsError(
      `list: "limit" must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${describe(query.limit)}.`,
    );
  }
  const from = bound(query.from, 'from');
  const to = bound(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidOptionsError(`list: "from" (${from}) is after "to" (${to}).`);
  }
  if (query.cursor !== undefined && typeof query.cursor !== 'string') {
    throw new InvalidOptionsError(
      `list: "cursor" must be one returned by a previous call, got ${describe(query.cursor)}.`,
    );
  }
  return {
    page: {
      state,
      pattern,
      limit,
      from: from === undefined ? '-inf' : String(from),
      to: to === undefined ? '+inf' : String(to),
    },
    positions:
      query.cursor === undefined
        ? Array.from({ length: shards }, () => null)
        : decodeListCursor(query.cursor, shards),
  };
}

/** An epoch-ms bound of the range, from a number or a Date. */
function bound(value: number | Date | undefined, name: 'from' | 'to'): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidOptionsError(
      `list: "${name}" must be epoch milliseconds or a valid Date, got ${describe(value)}.`,
    );
  }
  return ms;
}
