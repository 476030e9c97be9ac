import IORedis from 'ioredis';
import { EXCLUSIVE_WINDOW_MS } from '../../lib/delay-task.constants';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/**
 * `@OnKeyExpired(p, { exclusive: true })`: of all instances that receive the
 * same plain expiry, exactly one runs the handler; handlers without the flag
 * run on every instance.
 */
describe('exclusive handling of plain expired keys', () => {
  let redis: RedisServer;
  let client: IORedis;
  const instances: Array<{ exclusive: EventCollector; everyone: EventCollector; app: FixtureApp }> =
    [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new IORedis(redis.url);
    // Two instances of the same app: same Redis, same prefix, same handlers.
    const prefix = freshPrefix();
    for (let i = 0; i < 2; i++) {
      const exclusive = new EventCollector();
      const everyone = new EventCollector();
      const app = await startApp({ connection: redis.url, prefix }, [
        collectingHandler('job:*', exclusive, undefined, { exclusive: true }),
        collectingHandler('job:*', everyone),
      ]);
      instances.push({ exclusive, everyone, app });
    }
  });

  afterAll(async () => {
    await Promise.all(instances.map(({ app }) => app.close()));
    client?.disconnect();
    await redis?.stop();
  });

  /** Keys handled by the exclusive handler, across both instances, with repeats. */
  const exclusiveKeys = () =>
    instances.flatMap(({ exclusive }) => exclusive.events.map((e) => e.key)).sort();

  /**
   * Waits until both instances' non-exclusive handlers saw `seen` events each
   * and the exclusive handlers `handled` in all, then a little longer: a
   * duplicate exclusive run would be the losing instance's, no later than
   * its lock round trip.
   */
  async function settle(seen: number[], handled: number): Promise<void> {
    await Promise.all(instances.map(({ everyone }, i) => everyone.count(seen[i])));
    // Polled: the run may be on either instance, so no single collector can be awaited.
    await waitFor(() => exclusiveKeys().length >= handled, 15_000, `${handled} exclusive runs`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  it('runs the exclusive handler once per expiry across instances, the other on every instance', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `job:${i}`);
    const pipeline = client.multi();
    for (const key of keys) pipeline.set(key, 'x', 'PX', 20);
    await pipeline.exec();
    await settle([keys.length, keys.length], keys.length);

    expect(exclusiveKeys()).toEqual([...keys].sort());
    for (const { everyone } of instances) {
      expect(everyone.events.map((e) => e.key).sort()).toEqual([...keys].sort());
    }
  });

  it('handles the same key again when it expires again after the exclusive window', async () => {
    const key = `job:again:${freshPrefix()}`;
    const seenBefore = instances.map(({ everyone }) => everyone.events.length);
    const handledBefore = exclusiveKeys().length;
    await client.set(key, 'x', 'PX', 20);
    await settle(
      seenBefore.map((n) => n + 1),
      handledBefore + 1,
    );
    expect(exclusiveKeys().filter((k) => k === key)).toHaveLength(1);

    // The window bounds how long one expiry holds the key; a later expiry is a new event.
    await new Promise((resolve) => setTimeout(resolve, EXCLUSIVE_WINDOW_MS + 100));
    await client.set(key, 'x', 'PX', 20);
    await settle(
      seenBefore.map((n) => n + 2),
      handledBefore + 2,
    );
    expect(exclusiveKeys().filter((k) => k === key)).toHaveLength(2);
  });
});
