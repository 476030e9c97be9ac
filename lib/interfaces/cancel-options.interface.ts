/** Options of `DelayTaskService.cancel`. */
export interface CancelOptions {
  /**
   * Also stop the task if it is in flight: it is deleted (never retried, its
   * lease gone), and the instance running it aborts the delivery's
   * `event.signal` (a `DeliveryAbortedError`) within a round trip. The
   * handler's result is ignored from then on.
   * @default false (an in-flight task is left to its handler, and cancel returns false)
   */
  abort?: boolean;
}
