import { TaskDeliveryOptions } from './schedule-options.interface';

/** A cron rule: 5 fields (minute precision) or 6 (a leading seconds field), in a time zone. */
export interface CronRepeatRule {
  /** Cron expression, e.g. `'0 2 * * *'` (02:00 every day) or `'30 * * * * *'` (second 30 of every minute). */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `'Europe/Berlin'`. @default 'UTC' */
  tz?: string;
  every?: never;
}

/** A fixed-rate rule: each occurrence due `every` ms after the previous one's due time. */
export interface EveryRepeatRule {
  /** Period in ms, a positive integer. */
  every: number;
  cron?: never;
  tz?: never;
}

/** When a recurring series' occurrences are due: exactly one of `cron` or `every`. */
export type RepeatRule = CronRepeatRule | EveryRepeatRule;

/**
 * What a series does with occurrences that came due while nothing ran it
 * (every instance down, or its previous occurrence still running):
 * `'once'` runs one catch-up at once, due at the latest of them;
 * `'skip'` runs none and goes on at the next occurrence still ahead.
 * Never a burst of all of them.
 */
export type MissedOccurrences = 'once' | 'skip';

/** Options of `DelayTaskService.repeat`; `maxAttempts` and `backoff` apply to each occurrence. */
export interface RepeatOptions extends TaskDeliveryOptions {
  /** @default 'once' */
  missed?: MissedOccurrences;
}

/** Options of `@Recurring`: the rule, and what `repeat` takes besides. */
export type RecurringOptions<T = unknown> = RepeatRule &
  RepeatOptions & {
    /** Payload every occurrence carries. */
    payload?: T;
  };

/** A recurring series' rule, as `get` and `list` show it (`TaskInfo.series`). */
export interface SeriesInfo {
  /** The cron expression (cron rules). */
  cron?: string;
  /** The cron rule's time zone. */
  tz?: string;
  /** The period in ms (fixed-rate rules). */
  every?: number;
  missed: MissedOccurrences;
}
