import { InstanceInfo } from '../interfaces/instance-info.interface';
import { UnhandledTasks } from '../interfaces/task-info.interface';
import { RedisGlob } from '../pattern/redis-glob';
import { OverdueTask } from './overdue-inspector';

/** Bytes that make a glob more than a literal, escaped in display patterns. */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * How `stats()` names a group of keys: the key up to its last `:` and `*`
 * (`report:daily:7` → `report:daily:*`), or the key itself when it has no
 * `:`. Glob characters are escaped, so the pattern matches the key it came from.
 */
export function displayPattern(key: string): string {
  const cut = key.lastIndexOf(':');
  if (cut < 0) return key.replace(GLOB_SPECIAL, '\\$&');
  return `${key.slice(0, cut + 1).replace(GLOB_SPECIAL, '\\$&')}*`;
}

/**
 * The overdue tasks of `sample` whose key none of the live instances'
 * patterns matches (matching exactly as routing does), grouped by display
 * pattern, most numerous first.
 */
export function unhandledTasks(
  sample: readonly OverdueTask[],
  instances: readonly InstanceInfo[],
): UnhandledTasks[] {
  const globs = [...new Set(instances.flatMap((instance) => instance.patterns))].map(
    (pattern) => new RedisGlob(pattern),
  );
  const groups = new Map<string, UnhandledTasks>();
  for (const { key, overdueMs } of sample) {
    if (globs.some((glob) => glob.matches(key))) continue;
    const pattern = displayPattern(key);
    const group = groups.get(pattern);
    if (!group) {
      groups.set(pattern, { pattern, count: 1, oldestKey: key, oldestOverdueMs: overdueMs });
      continue;
    }
    group.count++;
    if (overdueMs > group.oldestOverdueMs) {
      group.oldestKey = key;
      group.oldestOverdueMs = overdueMs;
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.count - a.count ||
      b.oldestOverdueMs - a.oldestOverdueMs ||
      a.pattern.localeCompare(b.pattern),
  );
}
