import { RedisCluster } from '../../tools/redis-cluster';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/** Recurring series on a Redis Cluster: each series' scripts touch its own shard's slot only. */
describe('Redis Cluster: recurring series', () => {
  let cluster: RedisCluster;
  beforeAll(async () => (cluster = await RedisCluster.start({ masters: 3 })));
  afterAll(async () => cluster?.stop());

  it('series on several shards run on their grids across two instances, each occurrence once', async () => {
    const prefix = freshPrefix();
    const collectors = [new EventCollector(), new EventCollector()];
    const apps: FixtureApp[] = [];
    try {
      for (const collector of collectors) {
        apps.push(
          await startApp(
            { connection: { cluster: cluster.startupNodes }, prefix, keyspaceEvents: false },
            [collectingHandler('beat:*', collector)],
          ),
        );
      }
      const keys = Array.from({ length: 8 }, (_, i) => `beat:${i}`);
      const refs = await Promise.all(
        keys.map((key) => apps[0].tasks.repeat(key, { key }, { every: 300 })),
      );
      const all = () => collectors.flatMap((collector) => collector.events);
      await waitFor(
        () => keys.every((key) => all().filter((event) => event.key === key).length >= 3),
        15_000,
        '3 occurrences of every series',
      );
      for (const [i, key] of keys.entries()) {
        const dues = all()
          .filter((event) => event.key === key)
          .map((event) => event.dueAt!)
          .sort((a, b) => a - b)
          .slice(0, 3);
        expect(dues).toEqual([refs[i].dueAt, refs[i].dueAt + 300, refs[i].dueAt + 600]);
        await expect(apps[1].tasks.cancel(key)).resolves.toBe(true);
      }
      // Every occurrence ran once: no due time of a key twice.
      const seen = all().map((event) => `${event.key}@${event.dueAt}`);
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
