import IORedis from 'ioredis';
import { RedisServer } from '../../lib/testing/redis-server';
import { collectingHandler, EventCollector, freshPrefix, startApp } from '../support/fixture-app';

describe('first light', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());

  it('routes a plain expired key and a scheduled task', async () => {
    const collector = new EventCollector();
    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('order:*', collector),
    ]);
    const client = new IORedis(redis.url);
    try {
      await client.set('order:1', 'x', 'PX', 50);
      const plain = await collector.forKey('order:1');
      expect(plain.scheduled).toBe(false);
      const ref = await fixture.tasks.schedule('order:2', { orderId: '2' }, { delay: 100 });
      const task = await collector.forKey('order:2');
      expect(task).toMatchObject({
        scheduled: true,
        payload: { orderId: '2' },
        attempt: 1,
        source: 'timer',
      });
      expect(task.dueAt).toBe(ref.dueAt);
      // Generous on purpose: the benchmark measures punctuality, this checks it is neither early nor lost.
      expect(task.firedAt).toBeGreaterThanOrEqual(ref.dueAt);
      expect(task.firedAt - ref.dueAt).toBeLessThan(1_000);
    } finally {
      client.disconnect();
      await fixture.close();
    }
  });
});
