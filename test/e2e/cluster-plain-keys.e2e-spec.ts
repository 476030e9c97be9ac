import IORedis, { Cluster } from 'ioredis';
import { RedisCluster } from '../../tools/redis-cluster';
import { collectingHandler, EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

describe('Redis Cluster: plain expired keys', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3 });
    client = new Cluster(cluster.startupNodes);
  });
  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  /** Flags of every master, read straight from each server. */
  async function flagsOfMasters(): Promise<string[]> {
    return Promise.all(
      cluster.masters.map(async (master) => {
        const direct = new IORedis(master.port, '127.0.0.1');
        try {
          const [, flags] = (await direct.config('GET', 'notify-keyspace-events')) as string[];
          return flags;
        } finally {
          direct.disconnect();
        }
      }),
    );
  }

  it('sets the flags on every master and delivers keys of every slot range to each instance once', async () => {
    expect(await flagsOfMasters()).toEqual(['', '', '']);
    const first = new EventCollector();
    const second = new EventCollector();
    const prefix = freshPrefix();
    // One instance owns its client; the other is given a Cluster instance not yet connected.
    const given = new Cluster(cluster.startupNodes, { lazyConnect: true });
    const appA = await startApp({ connection: { cluster: cluster.startupNodes }, prefix }, [
      collectingHandler('plain:*', first),
    ]);
    const appB = await startApp({ connection: given, prefix }, [
      collectingHandler('plain:*', second),
    ]);
    try {
      for (const flags of await flagsOfMasters()) {
        expect(flags).toContain('E');
        expect(flags).toContain('x');
      }
      const keys = Array.from({ length: 90 }, (_, i) => `plain:${i}`);
      await Promise.all(keys.map((key) => client.set(key, 'x', 'PX', 300)));
      // The keys are spread over every master, so one subscription could not have seen them all.
      const perMaster = await Promise.all(
        cluster.masters.map(async (master) => {
          const direct = new IORedis(master.port, '127.0.0.1');
          try {
            return await direct.dbsize();
          } finally {
            direct.disconnect();
          }
        }),
      );
      expect(perMaster.every((count) => count > 0)).toBe(true);

      await first.count(keys.length);
      await second.count(keys.length);
      for (const collector of [first, second]) {
        const seen = collector.events.map((event) => event.key).sort();
        expect(seen).toEqual([...keys].sort());
        expect(collector.events.every((event) => !event.scheduled && event.db === 0)).toBe(true);
      }
    } finally {
      await appA.close();
      await appB.close();
    }
    // The module never closes a client it was given.
    expect(given.status).toBe('ready');
    given.disconnect();
  });

  it('lets exactly one instance handle an exclusive key', async () => {
    const prefix = freshPrefix();
    const collectors = [new EventCollector(), new EventCollector()];
    const apps = await Promise.all(
      collectors.map((collector) =>
        startApp({ connection: { cluster: cluster.startupNodes }, prefix }, [
          collectingHandler('solo:*', collector, undefined, { exclusive: true }),
        ]),
      ),
    );
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `solo:${i}`);
      await Promise.all(keys.map((key) => client.set(key, 'x', 'PX', 200)));
      const handled = () => collectors.flatMap((c) => c.events.map((e) => e.key));
      await waitFor(() => handled().length >= keys.length, 10_000, 'every exclusive key handled');
      // Both instances received every event; give the loser of each lock time to (wrongly) run.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(handled().sort()).toEqual([...keys].sort());
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('re-applies the flags and subscribes again when a master restarts', async () => {
    const collector = new EventCollector();
    const fixture = await startApp(
      { connection: { cluster: cluster.startupNodes }, prefix: freshPrefix() },
      [collectingHandler('back:*', collector)],
    );
    const restarted = cluster.masters[1];
    try {
      await restarted.kill();
      await restarted.revive();
      await cluster.waitUntilOk();
      // CONFIG SET was lost with the process: the flags are back only if the module re-applied them.
      await waitFor(
        async () => /^(?=.*E)(?=.*x)/.test((await flagsOfMasters())[1]),
        15_000,
        'flags on the restarted master',
      );
      const keys = Array.from({ length: 60 }, (_, i) => `back:${i}`);
      await Promise.all(keys.map((key) => client.set(key, 'x', 'PX', 200)));
      await collector.count(keys.length, 10_000);
      expect(collector.events.map((e) => e.key).sort()).toEqual([...keys].sort());
    } finally {
      await fixture.close();
    }
  });
});
