/** Delay before retrying a failed delivery, as a policy that can be stored with a task. */
export interface BackoffPolicy {
  /** `'fixed'`: always `delay`; `'exponential'`: `delay * 2^(attempt - 1)`. */
  type: 'fixed' | 'exponential';
  /** Base delay in milliseconds. */
  delay: number;
}

/** A function of the attempt that just failed (1-based), returning the delay in ms before the next one. */
export type BackoffFunction = (attempt: number) => number;

/** Module-level backoff: a policy or a function. Per-task backoff must be a policy (it is stored in Redis). */
export type BackoffOption = BackoffPolicy | BackoffFunction;
