import { SeriesInfo } from '../interfaces/repeat-options.interface';

/**
 * The occurrence times of a series, as a grid through its occurrences: cron
 * times, or a fixed-rate grid anchored at the series' own due times. Times
 * are epoch ms on the Redis server's clock; Lua cannot compute them, so Node
 * does and hands them to the scripts.
 */
export interface SeriesRule {
  /** The rule as `get` and `list` show it. */
  readonly info: SeriesInfo;
  /** The rule as stored in the record's `series` extension (compared by the scripts). */
  readonly text: string;
  /** The first occurrence after the one due at `due`; null when there is none (a cron with no later date). */
  following(due: number): number | null;
  /** The latest occurrence of the grid through `due` that is at or before `now` (`now >= due`). */
  latestUpTo(due: number, now: number): number;
  /** The first occurrence of the grid through `due` after `now`; null when there is none. */
  firstAfter(due: number, now: number): number | null;
}

/** The `series` extension of a record: the rule as JSON, fields in a fixed order so equal rules are equal text. */
export function encodeSeriesInfo(info: SeriesInfo): string {
  return info.every !== undefined
    ? JSON.stringify({ every: info.every, missed: info.missed })
    : JSON.stringify({
        cron: info.cron,
        ...(info.tz !== undefined && { tz: info.tz }),
        missed: info.missed,
      });
}

/** Reads a `series` extension; undefined when it is not one this version understands. */
export function decodeSeriesInfo(text: string): SeriesInfo | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { cron, tz, every, missed } = value as Record<string, unknown>;
  if (missed !== 'once' && missed !== 'skip') return undefined;
  if (typeof every === 'number' && cron === undefined) return { every, missed };
  if (typeof cron !== 'string' || every !== undefined) return undefined;
  if (tz !== undefined && typeof tz !== 'string') return undefined;
  return tz === undefined ? { cron, missed } : { cron, tz, missed };
}
