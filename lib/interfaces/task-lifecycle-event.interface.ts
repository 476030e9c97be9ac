/**
 * What happened to a scheduled task on this instance:
 *
 * - `'scheduled'`: `schedule` or `scheduleMany` wrote it (one event per task);
 * - `'cancelled'`: `cancel` removed it while pending (the call returned `true`);
 * - `'recovered'`: this instance took over a delivery whose lease had run out
 *   (its instance died or stalled); `'started'` follows at once;
 * - `'started'`: a delivery began (its handlers are about to run);
 * - `'completed'`: every handler of the delivery resolved (the acknowledgement
 *   follows, batched);
 * - `'failed'`: a handler threw or rejected; `'retrying'` or `'dead'` (a series occurrence: `'skipped'`) follows
 *   once Redis has recorded which;
 * - `'retrying'`: the task is pending again, due after its backoff;
 * - `'dead'`: it used up its attempts and moved to the dead letters;
 * - `'skipped'`: an occurrence of a recurring series was passed over or given
 *   up, and the series moved on to its next occurrence: it was stale (the
 *   next one was due already), or it failed with no retry left before the
 *   next occurrence (then it carries the error; `'failed'` came first).
 *
 * One task's events come in this order, with one exception: `'scheduled'` is
 * emitted once `schedule` has Redis' reply, so a task due at once may be
 * seen `'started'` (on this instance) a moment before it.
 */
export type TaskLifecycleEventType =
  | 'scheduled'
  | 'started'
  | 'completed'
  | 'failed'
  | 'retrying'
  | 'dead'
  | 'recovered'
  | 'cancelled'
  | 'skipped';

/** One step in a scheduled task's life, as this instance saw it (`DelayTaskService.events$`, `@OnTaskEvent`). */
export interface TaskLifecycleEvent {
  readonly type: TaskLifecycleEventType;
  /** The task's key. */
  readonly key: string;
  /**
   * The delivery it concerns, 1 on the first. `'scheduled'`: 0 (a scheduled
   * task starts afresh). `'cancelled'`: 0, as the cancel does not read how
   * many deliveries the task had.
   */
  readonly attempt: number;
  /** When it happened, epoch ms on the Redis server's clock (estimated). */
  readonly at: number;
  /**
   * The handler pattern involved: for a delivery, the first of this
   * instance's `@OnKeyExpired` patterns the key matches; for `'failed'` and
   * `'dead'`, the failing handler's. Absent for `'scheduled'` and `'cancelled'`.
   */
  readonly pattern?: string;
  /** `'failed'`, `'dead'` and a given-up `'skipped'`: the message of the handler's error. */
  readonly error?: string;
  /**
   * The due time the task was scheduled for, epoch ms on the Redis server's
   * clock (the same on every attempt). Absent for `'cancelled'`.
   */
  readonly dueAt?: number;
}
