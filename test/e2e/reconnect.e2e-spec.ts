import { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { DelayTaskModule, DelayTaskService } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';
import { keyspaceFlags } from '../support/redis-info';
import { waitFor } from '../support/wait-for';

/**
 * A Redis restart while the app runs: the module must reconnect, subscribe
 * again, and put the keyspace flags back — CONFIG SET is not persisted, so a
 * restarted server comes back with the flags of its configuration only.
 */
describe('reconnect after a Redis restart', () => {
  let redis: RedisServer;
  let client: IORedis | undefined;
  let app: INestApplicationContext | undefined;
  const logs = new LogCapture();

  afterEach(async () => {
    await app?.close();
    client?.disconnect();
    await redis?.stop();
    restoreConsoleLogger();
  });

  /** The module's lines saying it set the flags (one per time it had to). */
  const flagsSetLines = () =>
    logs.messages('log').filter((line) => line.includes('notify-keyspace-events'));

  it('subscribes again and re-applies lost flags after each kill and restart', async () => {
    // The configuration has neither E nor x: only the module's CONFIG SET adds them.
    redis = await RedisServer.start({ config: { 'notify-keyspace-events': 'Kg' } });
    const collector = new EventCollector();
    app = await bootApp(
      {
        imports: [DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix() })],
        providers: [collectingHandler('k:*', collector)],
      },
      logs,
    );
    const tasks = app.get(DelayTaskService);
    client = new IORedis(redis.url);
    await client.set('k:before', 'x', 'PX', 20);
    await collector.forKey('k:before');
    expect(flagsSetLines()).toHaveLength(1);

    for (const round of [1, 2]) {
      client.disconnect();
      await redis.kill();
      await redis.revive();
      client = new IORedis(redis.url);

      // Flags back (E and x on top of the configured K and g), and the pattern subscription
      // re-established: only then can an expiration be published and received.
      const connected = client;
      await waitFor(
        async () => /^(?=.*E)(?=.*x)(?=.*K)(?=.*g)/.test(await keyspaceFlags(connected)),
        10_000,
        'flags re-applied',
      );
      await waitFor(
        async () => Number(await connected.pubsub('NUMPAT')) >= 1,
        10_000,
        'expired-event subscription re-established',
      );

      const key = `k:after:${round}`;
      await client.set(key, 'x', 'PX', 20);
      await expect(collector.forKey(key, 5_000)).resolves.toMatchObject({
        scheduled: false,
        source: 'keyspace',
      });
      // The scheduler came back too (its wake-up channel is on the same subscriber).
      await tasks.schedule(`k:task:${round}`, { round }, { delay: 0 });
      await expect(collector.forKey(`k:task:${round}`, 5_000)).resolves.toMatchObject({
        scheduled: true,
        payload: { round },
      });
      // Once per restart, not once per connection or per event.
      await waitFor(() => flagsSetLines().length > round, 5_000, 'the flags line');
      expect(flagsSetLines()).toHaveLength(1 + round);
    }
  });
});
