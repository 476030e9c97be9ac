/** Options of the `@OnKeyExpired` decorator. */
export interface OnKeyExpiredOptions {
  /**
   * For plain expired keys: let exactly one of the subscribed instances handle
   * each expiry (by default every instance does). Scheduled tasks always run on
   * exactly one instance at a time, whatever this says.
   * @default false
   */
  exclusive?: boolean;
  /**
   * Most deliveries of scheduled tasks to this handler in flight on this
   * instance (an integer of 1 or more), within the module's `concurrency`. A
   * due task that needs a full handler is not claimed: it waits, and is
   * claimed as room frees; tasks for other handlers are claimed meanwhile.
   * Plain expired keys are dispatched as they arrive and do not count.
   * A method with several `@OnKeyExpired` takes the smallest value given.
   * @default unlimited (only the module's `concurrency` applies)
   */
  concurrency?: number;
  /**
   * Milliseconds a delivery to this handler may take (an integer of 1 or
   * more). At the timeout its `event.signal` aborts with a
   * `HandlerTimeoutError`, and the delivery counts as failed (retried per
   * backoff, then dead-lettered with that error), whether or not the handler
   * heeds the signal: whatever it does afterwards is ignored.
   * A method with several `@OnKeyExpired` takes the smallest value given.
   * @default none
   */
  timeoutMs?: number;
}
