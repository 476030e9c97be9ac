import type { DelayTaskService, TaskStats } from '../../lib';

/** `stats()` of a prefix holding nothing: no task pending, running or dead. */
export const EMPTY_STATS: TaskStats = {
  pending: 0,
  overdue: 0,
  active: 0,
  dead: 0,
  oldestOverdueMs: 0,
  unhandled: [],
};

/** Whether the store under this app's prefix holds nothing (for `waitFor`). */
export async function storeIsEmpty(tasks: DelayTaskService): Promise<boolean> {
  return JSON.stringify(await tasks.stats()) === JSON.stringify(EMPTY_STATS);
}
