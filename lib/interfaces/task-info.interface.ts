import { SeriesInfo } from './repeat-options.interface';

/** A pending or in-flight task, as returned by `DelayTaskService.get`. */
export interface TaskInfo<T = unknown> {
  key: string;
  payload?: T;
  /**
   * The due time the task was scheduled for (what `schedule`, `reschedule`,
   * `shift` or `requeue` last returned), epoch ms on the Redis server's clock.
   * It stays the same across retries and lease takeovers.
   */
  dueAt: number;
  /**
   * Pending only: when its next delivery may start — `dueAt`, a retry's
   * backoff time, a takeover's lease expiry, or when it was written if `dueAt`
   * had already passed. Epoch ms on the Redis server's clock.
   */
  runAt?: number;
  /** Deliveries started so far (0 before the first). */
  attempt: number;
  /** `'pending'`: waiting for its due time; `'active'`: a handler is running it. */
  state: 'pending' | 'active';
  /** Active only (from `list`): when its lease runs out unless renewed, epoch ms on Redis' clock. */
  leaseExpiresAt?: number;
  /** Active only (from `list`): id of the instance running it, as `instances()` lists it. */
  owner?: string;
  /**
   * An occurrence of a recurring series: its rule. Pending, `dueAt` is the
   * next occurrence; active, the running one (its successor is written when
   * it ends).
   */
  series?: SeriesInfo;
  /**
   * W3C trace context of the span that scheduled it (`traceparent`, then
   * `tracestate` after a space), when tracing stored one.
   */
  trace?: string;
}

/** Options of `DelayTaskService.list`. */
export interface TaskListQuery {
  /** Pending tasks (in the order they become claimable) or in-flight ones (by lease expiry). @default 'pending' */
  state?: 'pending' | 'active';
  /** Redis glob the keys must match, exactly as routing matches. @default '*' */
  pattern?: string;
  /**
   * Earliest and latest time listed, inclusive, epoch ms or a Date: `runAt`
   * for pending tasks, `leaseExpiresAt` for active ones.
   */
  from?: number | Date;
  to?: number | Date;
  /** Most tasks per page, 1 to 1,000. A page may hold fewer while more follow: go on until `cursor` is null. @default 100 */
  limit?: number;
  /** Cursor returned by the previous page. */
  cursor?: string;
}

/** A page of `list`; `cursor` is `null` on the last page. */
export interface TaskPage<T = unknown> {
  items: TaskInfo<T>[];
  cursor: string | null;
}

/** A task that used up its attempts, as listed by `DelayTaskService.deadLetters`. */
export interface DeadLetter<T = unknown> {
  key: string;
  payload?: T;
  /** Deliveries it had. */
  attempt: number;
  /** Message of the last failure. */
  error: string;
  /** When it was dead-lettered, epoch ms on the Redis server's clock. */
  failedAt: number;
}

/** Options of `DelayTaskService.deadLetters`. */
export interface DeadLetterQuery {
  /** Redis glob pattern the keys must match. @default '*' */
  pattern?: string;
  /** Roughly how many to return per page (Redis' HSCAN COUNT). @default 100 */
  limit?: number;
  /** Cursor returned by the previous page. */
  cursor?: string;
}

/** A page of dead letters; `cursor` is `null` on the last page. */
export interface DeadLetterPage<T = unknown> {
  items: DeadLetter<T>[];
  cursor: string | null;
}

/** Counts across the module's index, from `DelayTaskService.stats`. */
export interface TaskStats {
  /** Waiting for their due time, or due and not yet claimed. */
  pending: number;
  /** Pending tasks whose due time has passed (none can handle them, or they are about to run). */
  overdue: number;
  /** Claimed by an instance, handler running. */
  active: number;
  /** Dead-lettered. */
  dead: number;
  /**
   * How long the longest-waiting overdue task has been claimable, in ms on
   * the Redis server's clock; 0 when nothing is overdue.
   */
  oldestOverdueMs: number;
  /**
   * Overdue tasks whose key no live instance's `@OnKeyExpired` patterns match
   * (see `instances()`), grouped by the prefix of their key: the answer to
   * "why is this not running?". Read from the oldest overdue tasks only, at
   * most 1,000 of them (on a cluster 1,000 ÷ 16 per shard), so a count is
   * exact only when `overdue` is within that sample. Most numerous first.
   */
  unhandled: UnhandledTasks[];
}

/** Overdue tasks that no live instance can handle, sharing a key prefix (`TaskStats.unhandled`). */
export interface UnhandledTasks {
  /**
   * A Redis glob matching them: their key up to its last `:`, then `*`
   * (`report:daily:*`); a key without `:` stands for itself. Glob characters
   * of the key are escaped.
   */
  pattern: string;
  /** How many of the sampled overdue tasks it covers. */
  count: number;
  /** The one of them overdue longest. */
  oldestKey: string;
  /** How long that one has been claimable, ms. */
  oldestOverdueMs: number;
}
