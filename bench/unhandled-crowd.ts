/**
 * Loads the "unhandled crowd": overdue scheduled tasks that no running
 * instance handles. By the module's contract such a task waits, neither run
 * nor dead-lettered; the workload measures what its presence costs the tasks
 * that are handled.
 */
import { now } from './clock';
import type { BenchTask, Mechanism } from './mechanisms/mechanism';

/** No handler of the bench matches these keys (it handles `bench:*`). */
export const UNHANDLED_KEY_PREFIX = 'orphan:';
/** How long before it is scheduled each unhandled task was due: overdue from the start. */
export const OVERDUE_BY_MS = 1_000;
/** Tasks per `schedule` call: bounds the bench's own memory (the mechanism batches its round trips). */
const CHUNK = 100_000;

/**
 * Schedules `count` tasks `orphan:<i>`, all already due, from an endpoint
 * with no handler (one that only schedules: by contract it never claims);
 * resolves with how long it took (ms) once Redis holds them all.
 */
export async function loadUnhandledCrowd(
  mechanism: Mechanism,
  url: string,
  count: number,
): Promise<number> {
  const started = performance.now();
  const endpoint = await mechanism.open(url);
  try {
    for (let first = 0; first < count; first += CHUNK) {
      const dueAt = Math.floor(now()) - OVERDUE_BY_MS;
      const tasks: BenchTask[] = [];
      for (let index = first; index < Math.min(count, first + CHUNK); index += 1)
        tasks.push({ index, key: `${UNHANDLED_KEY_PREFIX}${index}`, dueAt });
      await endpoint.schedule(tasks);
    }
  } finally {
    await endpoint.close();
  }
  return performance.now() - started;
}
