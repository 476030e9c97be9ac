import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { RedisCluster } from '../../tools/redis-cluster';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/** Scheduled tasks on a Redis Cluster: the index is spread over hash-tagged shards on every master. */
describe('Redis Cluster: scheduled tasks', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await RedisCluster.start({ masters: 3 })));
  afterAll(async () => cluster?.stop());

  /** Keys on each master, read straight from each server. */
  async function keysPerMaster(): Promise<number[]> {
    return Promise.all(
      cluster.masters.map(async (master) => {
        const direct = new IORedis(master.port, '127.0.0.1');
        try {
          return await direct.dbsize();
        } finally {
          direct.disconnect();
        }
      }),
    );
  }

  it('fires 1,000 tasks across shards exactly once with two instances', async () => {
    const prefix = freshPrefix();
    const collectors = [new EventCollector(), new EventCollector()];
    const apps: FixtureApp[] = [];
    try {
      for (const collector of collectors) {
        apps.push(
          await startApp(
            { connection: { cluster: cluster.startupNodes }, prefix, keyspaceEvents: false },
            [collectingHandler('job:*', collector)],
          ),
        );
      }
      // A web tier: schedules, never claims.
      const web = await startApp({
        connection: { cluster: cluster.startupNodes },
        prefix,
        keyspaceEvents: false,
      });
      apps.push(web);

      const items = Array.from({ length: 1_000 }, (_, i) => ({
        key: `job:${i}`,
        payload: { i },
        delay: 1_500 + (i % 500),
      }));
      const refs = await web.tasks.scheduleMany(items);
      expect(refs).toHaveLength(1_000);
      // Every master holds part of the index: no single master carries it all.
      expect((await keysPerMaster()).every((count) => count > 0)).toBe(true);
      expect(await web.tasks.stats()).toMatchObject({ pending: 1_000 });

      const all = () => collectors.flatMap((c) => c.events);
      await waitFor(
        () => new Set(all().map((e) => e.key)).size === 1_000,
        20_000,
        '1,000 distinct tasks',
      );
      // Late duplicates would arrive within a sweep; wait one out before counting.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(all()).toHaveLength(1_000);
      expect(all().every((e) => e.scheduled && e.attempt === 1)).toBe(true);
      for (const collector of collectors) expect(collector.events.length).toBeGreaterThan(0);
      await waitFor(
        async () => (await web.tasks.stats()).pending + (await web.tasks.stats()).active === 0,
        5_000,
        'every task acknowledged',
      );
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('wakes every instance through the broadcast channel, without waiting for the sweep', async () => {
    const prefix = freshPrefix();
    const collector = new EventCollector();
    // A sweep this rare cannot be what delivers the task on time.
    const options = {
      connection: { cluster: cluster.startupNodes },
      prefix,
      keyspaceEvents: false,
      sweepIntervalMs: 60_000,
    };
    const worker = await startApp(options, [collectingHandler('wake:*', collector)]);
    const web = await startApp(options);
    try {
      // The worker's timer is armed for a task an hour away, in some shard.
      await web.tasks.schedule('wake:later', null, { delay: 3_600_000 });
      const keys = Array.from({ length: 12 }, (_, i) => `wake:${i}`);
      const refs = await Promise.all(
        keys.map((key) => web.tasks.schedule(key, null, { delay: 300 })),
      );
      await collector.count(keys.length, 5_000);
      for (const ref of refs) {
        const event = collector.events.find((e) => e.key === ref.key);
        expect(event).toBeDefined();
        expect((event?.firedAt ?? 0) - ref.dueAt).toBeLessThan(500);
      }
    } finally {
      await web.close();
      await worker.close();
    }
  });

  it('never runs more deliveries at once than `concurrency`, with every shard claiming', async () => {
    const CONCURRENCY = 4;
    const TASKS = 120;
    const prefix = freshPrefix();
    const started = new EventCollector();
    let running = 0;
    let maxRunning = 0;

    @Injectable()
    class SlowJobs {
      @OnKeyExpired('job:*')
      async run(event: ExpiredKeyEvent): Promise<void> {
        maxRunning = Math.max(maxRunning, ++running);
        started.push(event);
        // Work that outlasts a claim's round trip, so that every shard's claims overlap deliveries.
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      }
    }

    const worker = await startApp(
      {
        connection: { cluster: cluster.startupNodes },
        prefix,
        keyspaceEvents: false,
        concurrency: CONCURRENCY,
      },
      [SlowJobs],
    );
    try {
      await worker.tasks.scheduleMany(
        Array.from({ length: TASKS }, (_, i) => ({ key: `job:${i}`, delay: 0 })),
      );
      await started.count(TASKS, 30_000);
      expect(new Set(started.events.map((e) => e.key)).size).toBe(TASKS);
      expect(maxRunning).toBe(CONCURRENCY);
    } finally {
      await worker.close();
    }
  });
});
