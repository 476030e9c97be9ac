import { RedisSentinel } from '../../tools/redis-sentinel';
import { collectingHandler, EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { flagsOf, onNode, replicationOffset } from '../support/redis-info';

/** A primary watched by three Sentinels: it dies, the replica is promoted, the app carries on. */
describe('Sentinel: failover', () => {
  let setup: RedisSentinel;
  beforeAll(async () => (setup = await RedisSentinel.start()));
  afterAll(async () => setup?.stop());

  it('subscribes again, re-applies the flags on the new primary and loses no scheduled task', async () => {
    const collector = new EventCollector();
    const fixture = await startApp({ connection: setup.connection, prefix: freshPrefix() }, [
      collectingHandler('s:*', collector),
    ]);
    try {
      expect(await flagsOf(setup.primary)).toMatch(/^(?=.*E)(?=.*x)/);
      // CONFIG SET is not replicated: the replica has none of them yet.
      expect(await flagsOf(setup.replica)).toBe('');

      const items = Array.from({ length: 200 }, (_, i) => ({
        key: `s:task:${i}`,
        payload: i,
        delay: 4_000 + i * 5,
      }));
      await fixture.tasks.scheduleMany(items);
      await waitFor(
        async () => {
          const [primary, replica] = await Promise.all(
            [setup.primary, setup.replica].map((node) =>
              onNode(node, (c) => c.info('replication')),
            ),
          );
          return (
            replicationOffset(replica, 'slave_repl_offset') >=
            replicationOffset(primary, 'master_repl_offset')
          );
        },
        10_000,
        'replica caught up',
      );

      await setup.failover();

      await waitFor(
        async () => /^(?=.*E)(?=.*x)/.test(await flagsOf(setup.replica)),
        15_000,
        'flags on the new primary',
      );
      await waitFor(
        async () => Number(await onNode(setup.replica, (c) => c.pubsub('NUMPAT'))) === 1,
        15_000,
        'the expired-event subscription on the new primary',
      );
      await onNode(setup.replica, (c) => c.set('s:plain', 'x', 'PX', 50));
      await expect(collector.forKey('s:plain', 5_000)).resolves.toMatchObject({
        scheduled: false,
      });
      // A task scheduled after the failover goes to the new primary and fires.
      await fixture.tasks.schedule('s:after', null, { delay: 100 });

      await waitFor(
        () =>
          [...items.map((item) => item.key), 's:after'].every((key) =>
            collector.events.some((e) => e.key === key),
          ),
        20_000,
        'every scheduled task',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const keys = collector.events.map((e) => e.key);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await fixture.close();
    }
  });
});
