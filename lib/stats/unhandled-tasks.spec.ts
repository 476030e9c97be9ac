import { InstanceInfo } from '../interfaces/instance-info.interface';
import { redisGlobMatch } from '../pattern/redis-glob';
import { displayPattern, unhandledTasks } from './unhandled-tasks';

const instance = (...patterns: string[]): InstanceInfo => ({
  id: `i-${patterns.join(',')}`,
  host: 'h',
  pid: 1,
  patterns,
  concurrency: 10,
  inFlight: 0,
  startedAt: 0,
  lastSeenAt: 0,
});

describe('displayPattern', () => {
  it.each([
    ['report:daily:7', 'report:daily:*'],
    ['order:42', 'order:*'],
    ['a:b:', 'a:b:*'],
    [':x', ':*'],
    ['cleanup', 'cleanup'],
    ['odd*[key]?:1', 'odd\\*\\[key\\]\\?:*'],
    ['back\\slash', 'back\\\\slash'],
  ])('groups "%s" under "%s"', (key, pattern) => {
    expect(displayPattern(key)).toBe(pattern);
  });

  it('is a Redis glob matching the key it came from', () => {
    for (const key of ['odd*[key]?:1', 'back\\slash', 'plain', 'ü:ß:1', 'x[^a]:y']) {
      expect(redisGlobMatch(displayPattern(key), key)).toBe(true);
    }
  });
});

describe('unhandledTasks', () => {
  const sample = [
    { key: 'report:daily:1', overdueMs: 900 },
    { key: 'report:daily:2', overdueMs: 1_200 },
    { key: 'mail:welcome:ann', overdueMs: 50 },
    { key: 'order:7', overdueMs: 3_000 },
    { key: 'orderx', overdueMs: 10 },
  ];

  it('groups the keys no live pattern matches, most numerous first, with the oldest of each', () => {
    expect(unhandledTasks(sample, [instance('order:*'), instance()])).toEqual([
      { pattern: 'report:daily:*', count: 2, oldestKey: 'report:daily:2', oldestOverdueMs: 1_200 },
      { pattern: 'mail:welcome:*', count: 1, oldestKey: 'mail:welcome:ann', oldestOverdueMs: 50 },
      { pattern: 'orderx', count: 1, oldestKey: 'orderx', oldestOverdueMs: 10 },
    ]);
  });

  it('matches as routing does: full Redis globs, bytes of UTF-8', () => {
    const live = [instance('report:[a-d]*:?'), instance('mail:*:ann', 'order?')];
    expect(unhandledTasks(sample, live).map((group) => group.pattern)).toEqual(['order:*']);
  });

  it('reports every overdue task when no instance is alive, and none when there is none', () => {
    expect(unhandledTasks(sample, []).reduce((sum, group) => sum + group.count, 0)).toBe(5);
    expect(unhandledTasks([], [])).toEqual([]);
  });
});
