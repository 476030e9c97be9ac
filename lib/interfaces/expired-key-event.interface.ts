/** What delivered an event to the handlers. */
export type ExpiredKeySource = 'keyspace' | 'timer' | 'recovery';

/**
 * One expiry, as handlers and streams see it: a plain Redis key that expired
 * (`scheduled: false`) or a delivery of a task made with `DelayTaskService.schedule`.
 *
 * @typeParam T - the payload type the task was scheduled with
 */
export interface ExpiredKeyEvent<T = unknown> {
  /** The key that expired (plain key) or the task's key (scheduled task). */
  readonly key: string;
  /** The scheduled task's payload; `undefined` for plain keys and tasks scheduled without one. */
  readonly payload?: T;
  /** `true` for tasks made by `schedule`, `false` for any other key that expired. */
  readonly scheduled: boolean;
  /** When this delivery was due, epoch ms on the Redis server's clock (scheduled tasks only). */
  readonly dueAt?: number;
  /** When the event was routed, epoch ms on the Redis server's clock. */
  readonly firedAt: number;
  /** Delivery number of a scheduled task, 1 on the first delivery; always 1 for plain keys. */
  readonly attempt: number;
  /**
   * What delivered it: `'keyspace'` (Redis' expired notification), `'timer'`
   * (the due-time timer) or `'recovery'` (the sweep found it late, or took it
   * over from an instance whose lease ran out).
   */
  readonly source: ExpiredKeySource;
  /** The Redis logical database the event belongs to. */
  readonly db: number;
  /** `true` for an occurrence of a recurring series (`repeat`, `@Recurring`); absent otherwise. */
  readonly recurring?: true;
  /**
   * Aborted when the module stops waiting for this delivery: at the handler's
   * `timeoutMs` (reason `HandlerTimeoutError`), when `cancel(key, { abort: true })`
   * is called on any instance, or when `app.close()` gives up waiting after
   * `shutdownTimeoutMs` (reason `DeliveryAbortedError`). Pass it on to
   * `fetch`, database drivers and timers so the work actually stops; once it
   * is aborted the handler's result is ignored either way.
   */
  readonly signal: AbortSignal;
}
