/** Options of `DelayTaskHealthIndicator.isHealthy` (from `nestjs-delay-task/terminus`). */
export interface DelayTaskHealthOptions {
  /**
   * Down when a task has been overdue (claimable, not yet claimed) for longer
   * than this, in ms: no instance handles it, or they cannot keep up.
   * @default undefined (not a cause for down; the age is still reported)
   */
  maxOldestOverdueMs?: number;
  /**
   * Down when there are more dead letters than this.
   * @default undefined (not a cause for down; the count is still reported)
   */
  maxDead?: number;
  /**
   * How long each Redis read of the check may take before Redis counts as not
   * answering, in ms.
   * @default 1000
   */
  timeout?: number;
}
