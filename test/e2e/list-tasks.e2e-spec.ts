/**
 * Seeing and acting on tasks: `list` pages through pending tasks in the order
 * they become claimable (or in-flight ones by lease expiry), filtered by glob
 * and time range, with a cursor that stays stable while tasks come and go;
 * `cancelMatching` cancels by glob in bounded steps. On one Redis and across
 * the shards of a Cluster.
 */
import IORedis from 'ioredis';
import {
  DelayTaskService,
  InvalidOptionsError,
  InvalidPatternError,
  TaskInfo,
  TaskListQuery,
} from '../../lib';
import { RedisCluster } from '../../tools/redis-cluster';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { commandCalls } from '../support/redis-info';

const HOUR = 3_600_000;

/** Every page of a query, followed to its end. */
async function listAll(tasks: DelayTaskService, query: TaskListQuery): Promise<TaskInfo[]> {
  const items: TaskInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await tasks.list({ ...query, cursor });
    items.push(...page.items);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return items;
}

describe('list and cancelMatching', () => {
  let redis: RedisServer;
  let web: FixtureApp;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  beforeEach(async () => {
    web = await startApp({ connection: redis.url, prefix: freshPrefix(), keyspaceEvents: false });
  });
  afterEach(async () => web.close());

  it('lists pending tasks in due order, by pattern and due range, a page at a time', async () => {
    const base = Date.now() + HOUR;
    await web.tasks.scheduleMany(
      Array.from({ length: 250 }, (_, n) => ({
        key: `${n % 2 ? 'order' : 'coupon'}:${n}`,
        payload: { n },
        // Ties on purpose: every due time is shared by five tasks.
        at: base + Math.floor(n / 5) * 1_000,
      })),
    );

    const orders = await listAll(web.tasks, { pattern: 'order:*', limit: 7 });
    expect(orders).toHaveLength(125);
    expect(orders.every((task) => task.key.startsWith('order:'))).toBe(true);
    const dues = orders.map((task) => task.dueAt);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(orders[0]).toEqual({
      key: 'order:1',
      payload: { n: 1 },
      dueAt: base,
      runAt: base,
      attempt: 0,
      state: 'pending',
    });

    const window = await listAll(web.tasks, {
      from: new Date(base + 10_000),
      to: base + 19_000,
      limit: 100,
    });
    expect(window.map((task) => task.dueAt)).toEqual(
      Array.from({ length: 50 }, (_, i) => base + 10_000 + Math.floor(i / 5) * 1_000),
    );
  });

  it('pages stably while tasks are added and removed: each task that stays is listed once', async () => {
    const base = Date.now() + HOUR;
    const stay = Array.from({ length: 600 }, (_, n) => ({
      key: `stay:${n}`,
      at: base + Math.floor(n / 3),
    }));
    const go = Array.from({ length: 600 }, (_, n) => ({ key: `go:${n}`, at: base + n }));
    await web.tasks.scheduleMany([...stay, ...go]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let churn = 0;
    do {
      const page = await web.tasks.list({ limit: 50, cursor });
      seen.push(...page.items.map((task) => task.key));
      cursor = page.cursor ?? undefined;
      // Between pages: cancel some tasks, add others before and after where the walk stands.
      const batch = go.slice(churn, churn + 30);
      churn += 30;
      await Promise.all(batch.map((task) => web.tasks.cancel(task.key)));
      await web.tasks.scheduleMany([
        { key: `early:${churn}`, at: base - 1 },
        { key: `late:${churn}`, at: base + 10_000 },
      ]);
    } while (cursor);

    const stayed = seen.filter((key) => key.startsWith('stay:'));
    expect(stayed).toHaveLength(stay.length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('lists in-flight deliveries with their lease expiry', async () => {
    const prefix = freshPrefix();
    const collector = new EventCollector();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = await startApp(
      { connection: redis.url, prefix, keyspaceEvents: false, leaseMs: 30_000 },
      [collectingHandler('slow:*', collector, () => released)],
    );
    try {
      const refs = await worker.tasks.scheduleMany(
        [1, 2, 3].map((n) => ({ key: `slow:${n}`, payload: n, delay: 0 })),
      );
      await collector.count(3);
      const active = await listAll(worker.tasks, { state: 'active' });
      expect(active.map((task) => task.key).sort()).toEqual(['slow:1', 'slow:2', 'slow:3']);
      const dueOf = new Map(refs.map((ref) => [ref.key, ref.dueAt]));
      const [self] = await worker.tasks.instances();
      for (const task of active) {
        expect(task).toMatchObject({
          state: 'active',
          attempt: 1,
          dueAt: dueOf.get(task.key),
          owner: self.id,
        });
        expect(task.leaseExpiresAt).toBeGreaterThan(Date.now() + 20_000);
      }
      await expect(worker.tasks.list({ state: 'pending' })).resolves.toEqual({
        items: [],
        cursor: null,
      });
    } finally {
      release();
      await worker.close();
    }
  });

  it('cancelMatching cancels the pending tasks of a glob, and only those', async () => {
    await web.tasks.scheduleMany(
      Array.from({ length: 3_000 }, (_, n) => ({
        key: n % 3 ? `user:${n % 2 ? 42 : 7}:reminder:${n}` : `order:${n}`,
        delay: HOUR,
      })),
    );
    const expected = Array.from({ length: 3_000 }, (_, n) => n).filter(
      (n) => n % 3 && n % 2,
    ).length;
    await expect(web.tasks.cancelMatching('user:42:*')).resolves.toBe(expected);
    await expect(web.tasks.cancelMatching('user:42:*')).resolves.toBe(0);
    const left = await listAll(web.tasks, { limit: 1_000 });
    expect(left).toHaveLength(3_000 - expected);
    expect(left.some((task) => task.key.startsWith('user:42:'))).toBe(false);
  });

  it('refuses bad queries with named errors before any Redis call', async () => {
    const admin = new IORedis(redis.url);
    try {
      const before = await commandCalls(admin, 'evalsha');
      const { tasks } = web;
      const bad: Array<[unknown, new (...args: never[]) => Error]> = [
        [{ pattern: 42 }, InvalidPatternError],
        [{ pattern: '' }, InvalidPatternError],
        [{ limit: 0 }, InvalidOptionsError],
        [{ limit: -1 }, InvalidOptionsError],
        [{ limit: 2.5 }, InvalidOptionsError],
        [{ limit: 1_001 }, InvalidOptionsError],
        [{ state: 'dead' }, InvalidOptionsError],
        [{ from: Number.NaN }, InvalidOptionsError],
        [{ from: new Date('nope') }, InvalidOptionsError],
        [{ from: 2, to: 1 }, InvalidOptionsError],
        [{ cursor: 'forged' }, InvalidOptionsError],
        [{ cursor: Buffer.from('[["1","a"],2]').toString('base64url') }, InvalidOptionsError],
        [{ cursor: 7 }, InvalidOptionsError],
      ];
      for (const [query, error] of bad) {
        await expect(tasks.list(query as TaskListQuery)).rejects.toBeInstanceOf(error);
      }
      await expect(tasks.cancelMatching(undefined as unknown as string)).rejects.toBeInstanceOf(
        InvalidPatternError,
      );
      expect(await commandCalls(admin, 'evalsha')).toBe(before);
    } finally {
      admin.disconnect();
    }
  });
});

describe('list and cancelMatching on a Redis Cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await RedisCluster.start({ masters: 3 })));
  afterAll(async () => cluster?.stop());

  it('merges every shard into one due order, and cancels across shards', async () => {
    const web = await startApp({
      connection: { cluster: cluster.startupNodes },
      prefix: freshPrefix(),
      keyspaceEvents: false,
    });
    try {
      const base = Date.now() + HOUR;
      await web.tasks.scheduleMany(
        Array.from({ length: 500 }, (_, n) => ({
          key: `${n % 5 ? 'job' : 'tmp'}:${n}`,
          at: base + Math.floor(n / 2) * 10,
        })),
      );
      const all = await listAll(web.tasks, { limit: 33 });
      expect(all).toHaveLength(500);
      expect(new Set(all.map((task) => task.key)).size).toBe(500);
      const dues = all.map((task) => task.dueAt);
      expect(dues).toEqual([...dues].sort((a, b) => a - b));

      await expect(web.tasks.cancelMatching('tmp:*')).resolves.toBe(100);
      expect(await listAll(web.tasks, { pattern: 'tmp:*' })).toEqual([]);
      expect(await listAll(web.tasks, { pattern: 'job:*', limit: 1_000 })).toHaveLength(400);
    } finally {
      await web.close();
    }
  });
});
