/**
 * Due tasks that no running instance can handle (a rolling deploy, a removed
 * handler) wait without slowing the tasks that are handled: each instance
 * looks past such a crowd once, not on every claim. Nothing in the crowd is
 * lost, and a task moved into the past behind it is still found at once.
 */
import IORedis from 'ioredis';
import { TaskKeys } from '../../lib/store/task-keys';
import { TaskStore } from '../../lib/store/task-store';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';

const CROWD = 20_000;
const HANDLED = 200;

describe('a crowd of overdue tasks no instance handles', () => {
  const suite = ProcessSuite.use();
  let claimSpy: jest.SpyInstance;
  beforeEach(() => (claimSpy = jest.spyOn(TaskStore.prototype, 'claim')));
  afterEach(() => claimSpy.mockRestore());

  it('does not slow the handled tasks, hides none of them, and waits for a handler', async () => {
    const prefix = freshPrefix();
    const webTier = await suite.webTier(prefix);
    await webTier.tasks.scheduleMany(
      Array.from({ length: CROWD }, (_, n) => ({
        key: `orphan:${n}`,
        payload: n,
        at: Date.now() - 60_000 + n,
      })),
    );

    const orders = new EventCollector();
    await startHandler(prefix, 'order:*', orders);
    const claimsBefore = claimSpy.mock.calls.length;

    const refs = await webTier.tasks.scheduleMany(
      Array.from({ length: HANDLED }, (_, n) => ({
        key: `order:${n}`,
        payload: n,
        delay: Math.floor((n * 2_000) / HANDLED),
      })),
    );
    // Moved into the past behind the crowd: due at once, and found at once.
    await webTier.tasks.schedule('order:shifted', 'late', { delay: 60_000 });
    const shiftedDue = await webTier.tasks.shift('order:shifted', -120_000);
    const shifted = await orders.forKey('order:shifted', 5_000);
    expect(shifted.dueAt).toBe(shiftedDue);

    await orders.count(HANDLED + 1, 15_000);
    const dueByKey = new Map(refs.map((ref) => [ref.key, ref.dueAt]));
    for (const event of orders.events) {
      if (event.key === 'order:shifted') continue;
      expect(event.dueAt).toBe(dueByKey.get(event.key));
      expect(event.firedAt).toBeGreaterThanOrEqual(event.dueAt!);
    }
    expect(new Set(orders.events.map((e) => e.key)).size).toBe(HANDLED + 1);

    // Each drain (a timer fire, a wake-up, a sweep) costs a claim or two, not a scan of the
    // crowd: about 1.3 claims per task here, where scanning it again on every drain took 25.
    const claims = claimSpy.mock.calls.length - claimsBefore;
    expect(claims).toBeLessThan(HANDLED * 3);

    // The crowd is still there, every task of it waiting for a handler...
    await expect(webTier.tasks.stats()).resolves.toMatchObject({
      pending: CROWD,
      overdue: CROWD,
    });
    // ...which a new deployment brings: it delivers each of them once.
    const orphans = new EventCollector();
    await startHandler(prefix, 'orphan:*', orphans);
    await orphans.count(CROWD, 30_000);
    expect(new Set(orphans.events.map((e) => e.key)).size).toBe(CROWD);
    expect(orphans.events.every((e) => e.source === 'recovery' || e.source === 'timer')).toBe(true);
  }, 60_000);

  it('still finds a task indexed behind the crowd, as an older version of the module writes a past due time', async () => {
    const prefix = freshPrefix();
    const webTier = await suite.webTier(prefix);
    const crowd = 3_000;
    await webTier.tasks.scheduleMany(
      Array.from({ length: crowd }, (_, n) => ({ key: `orphan:${n}`, payload: n, delay: 0 })),
    );
    const orders = new EventCollector();
    await startHandler(prefix, 'order:*', orders);
    // The first drain has looked past the crowd. Now a task due an hour ago lands before it,
    // the way the previous data layout indexed a past due time: as it is.
    const shard = new TaskKeys(prefix, 1).shards[0];
    const dueAt = Date.now() - 3_600_000;
    const admin = new IORedis(suite.redis.url);
    try {
      await admin
        .multi()
        .hset(shard.tasks, 'order:old', `||${dueAt}|"old"`)
        .zadd(shard.due, dueAt, 'order:old')
        .exec();
    } finally {
      admin.disconnect();
    }
    // The patrol walks the crowd, 1,000 entries a sweep (one a second).
    const event = await orders.forKey('order:old', 15_000);
    expect(event).toMatchObject({ payload: 'old', dueAt, attempt: 1 });
  });

  function startHandler(
    prefix: string,
    pattern: string,
    collector: EventCollector,
  ): Promise<FixtureApp> {
    return suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false }, [
        collectingHandler(pattern, collector),
      ]),
    );
  }
});
