import { Cluster } from 'ioredis';
import { ReplicationTimeoutError } from '../../lib';
import { CLUSTER_SHARDS } from '../../lib/delay-task.constants';
import { TaskKeys } from '../../lib/store/task-keys';
import { RedisCluster } from '../../tools/redis-cluster';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { flagsOf, onNode, replicationOffset } from '../support/redis-info';

/** Runs one command on one node, bypassing cluster routing. */
/** Three masters with a replica each: a master dies and its replica takes over. */
describe('Redis Cluster: failover', () => {
  let cluster: RedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    client = new Cluster(cluster.startupNodes);
  });
  afterAll(async () => {
    client?.disconnect();
    // A failed test may have left a replica stopped; it must be running to stop by SIGTERM.
    for (const node of cluster?.nodes ?? []) if (node.running) process.kill(node.pid, 'SIGCONT');
    await cluster?.stop();
  });

  it('waits for the replica of the master that owns the shard written to', async () => {
    const prefix = freshPrefix();
    const fixture = await startApp({
      connection: { cluster: cluster.startupNodes },
      prefix,
      keyspaceEvents: false,
      replication: { replicas: 1, timeoutMs: 300 },
    });
    const [stalledMaster] = cluster.masters.slice(1);
    const [stalledReplica] = await cluster.replicasOf(stalledMaster);
    try {
      // Which master owns each shard: CLUSTER SLOTS, and the slot of each shard's hash tag.
      const slots = await client.cluster('SLOTS');
      const keys = new TaskKeys(prefix, CLUSTER_SHARDS);
      const ownerOf = async (taskKey: string) => {
        const slot = Number(
          await client.cluster('KEYSLOT', keys.shards[keys.shardOf(taskKey)].due),
        );
        return slots.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
      };
      const owners = await Promise.all(
        Array.from({ length: 64 }, async (_, i) => ({
          key: `rw:${i}`,
          port: await ownerOf(`rw:${i}`),
        })),
      );
      const onStalled = owners.find((o) => o.port === stalledMaster.port);
      const elsewhere = owners.find((o) => o.port !== stalledMaster.port);
      if (!onStalled || !elsewhere) throw new Error('64 keys did not cover two masters');

      process.kill(stalledReplica.pid, 'SIGSTOP');
      try {
        await expect(
          fixture.tasks.schedule(onStalled.key, null, { delay: 60_000 }),
        ).rejects.toBeInstanceOf(ReplicationTimeoutError);
        // WAIT went to the master that took the write: another master's replica answers at once.
        await expect(
          fixture.tasks.schedule(elsewhere.key, null, { delay: 60_000 }),
        ).resolves.toMatchObject({ key: elsewhere.key });
      } finally {
        process.kill(stalledReplica.pid, 'SIGCONT');
      }
    } finally {
      await fixture.close();
    }
  });

  it('after a master dies and its replica is promoted: subscriptions, flags and tasks all survive', async () => {
    const prefix = freshPrefix();
    const collector = new EventCollector();
    const apps: FixtureApp[] = [];
    const victim = cluster.masters[0];
    const [heir] = await cluster.replicasOf(victim);
    try {
      apps.push(
        await startApp({ connection: { cluster: cluster.startupNodes }, prefix }, [
          collectingHandler('f:*', collector),
        ]),
      );
      const app = apps[0];
      // CONFIG SET is not replicated: the replica has none of the flags its master was given.
      expect(await flagsOf(victim)).toMatch(/^(?=.*E)(?=.*x)/);
      expect(await flagsOf(heir)).toBe('');

      const items = Array.from({ length: 300 }, (_, i) => ({
        key: `f:task:${i}`,
        payload: i,
        delay: 3_000 + i * 5,
      }));
      await app.tasks.scheduleMany(items);
      // Let the replica catch up before the kill (asynchronous replication: see the README).
      await waitFor(
        async () => {
          const [master, replica] = await Promise.all(
            [victim, heir].map((node) => onNode(node, (c) => c.info('replication'))),
          );
          return (
            replicationOffset(replica, 'slave_repl_offset') >=
              replicationOffset(master, 'master_repl_offset') &&
            replicationOffset(master, 'master_repl_offset') > 0
          );
        },
        10_000,
        'replica caught up',
      );

      await cluster.killMaster(0);
      await cluster.promote(heir);
      await cluster.waitUntilOk();

      // The module finds the new master, sets its flags and subscribes there, once.
      await waitFor(async () => /^(?=.*E)(?=.*x)/.test(await flagsOf(heir)), 15_000, 'flags');
      await waitFor(
        async () => Number(await onNode(heir, (c) => c.pubsub('NUMPAT'))) === 1,
        15_000,
        'a pattern subscription on the new master',
      );
      const masters = await cluster.currentMasters();
      expect(masters.map((m) => m.port)).toContain(heir.port);
      for (const master of masters) {
        expect(Number(await onNode(master, (c) => c.pubsub('NUMPAT')))).toBe(1);
      }

      // Plain keys in every slot range, the new master's included, reach the handler once each.
      const plain = Array.from({ length: 60 }, (_, i) => `f:plain:${i}`);
      await Promise.all(plain.map((key) => client.set(key, 'x', 'PX', 200)));
      expect(await onNode(heir, (c) => c.dbsize())).toBeGreaterThan(0);
      await waitFor(
        () => plain.every((key) => collector.events.some((e) => e.key === key)),
        10_000,
        'every plain key',
      );

      // Nothing scheduled before the failover is lost, and nothing runs twice.
      await waitFor(
        () => items.every((item) => collector.events.some((e) => e.key === item.key)),
        20_000,
        'every scheduled task',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const counts = new Map<string, number>();
      for (const event of collector.events) counts.set(event.key, (counts.get(event.key) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(counts.size).toBe(plain.length + items.length);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
