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

/** Options of `DelayTaskService.schedule`. */
export type ScheduleOptions = DueTime & TaskDeliveryOptions;

/** One item of `DelayTaskService.scheduleMany`. */
export type ScheduleManyItem<T = unknown> = { key: string; payload?: T } & ScheduleOptions;

/** What `scheduleMany` reports for each key it wrote. */
export interface ScheduledTaskRef {
  key: string;
  /** Due time, epoch ms on the Redis server's clock. */
  dueAt: number;
}
