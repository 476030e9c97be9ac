/** Options of the `@OnKeyExpired` decorator. */
export interface OnKeyExpiredOptions {
  /**
   * For plain expired keys: let exactly one of the subscribed instances handle
   * each expiry (by default every instance does). Scheduled tasks always run on
   * exactly one instance at a time, whatever this says.
   * @default false
   */
  exclusive?: boolean;
}
