import { BackoffPolicy } from './backoff.interface';

/** When a task is due: exactly one of `delay` or `at`. */
export type DueTime =
  | { /** Milliseconds from now (Redis' clock); 0 or more. */ delay: number; at?: never }
  | {
      /** A moment: a `Date` or epoch ms. A moment in the past fires now. */ at: Date | number;
      delay?: never;
    };

/** Per-task delivery settings; they override the module's. */
export interface TaskDeliveryOptions {
  /** Deliveries before the task is dead-lettered (an integer of 1 or more). */
  maxAttempts?: number;
  /** Delay before each retry. */
  backoff?: BackoffPolicy;
}

/**
 * What `schedule` does when the key already has a *pending* task (waiting for
 * its due time or for a retry; an in-flight or dead-lettered task is not
 * pending, and is replaced whatever the mode):
 * - `'replace'`: the new payload and due time;
 * - `'keep'`: leave the pending task as it is (at most one reminder);
 * - `'earlier'`: the new payload, due at the sooner of the two due times (a deadline);
 * - `'later'`: the new payload, due at the later of the two (a debounce).
 *
 * A task that is written starts with fresh attempts. The reply's `dueAt` is
 * the due time in force afterwards.
 */
export type IfPending = 'replace' | 'keep' | 'earlier' | 'later';

/** Options of `DelayTaskService.schedule`. */
export type ScheduleOptions = DueTime &
  TaskDeliveryOptions & {
    /**
     * What to do when the key already has a pending task: see `IfPending`.
     * @default 'replace'
     */
    ifPending?: IfPending;
  };

/** One item of `DelayTaskService.scheduleMany`. */
export type ScheduleManyItem<T = unknown> = { key: string; payload?: T } & ScheduleOptions;

/** What `scheduleMany` reports for each key it wrote. */
export interface ScheduledTaskRef {
  key: string;
  /** Due time, epoch ms on the Redis server's clock. */
  dueAt: number;
}
