/**
 * Scheduled tasks live in Redis; with persistence on they survive Redis dying,
 * and a running app rides out the outage by itself: it reconnects, catches up
 * on what came due meanwhile and delivers every task exactly once.
 */
import { DURABLE_CONFIG, RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { storeIsEmpty } from '../support/empty-store';

function keysOf(events: Array<{ key: string }>): string[] {
  return events.map((e) => e.key).sort();
}

describe('Redis restarts', () => {
  let redis: RedisServer | undefined;
  let apps: FixtureApp[] = [];

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    apps = [];
    await redis?.stop();
    redis = undefined;
  });

  async function app(
    prefix: string,
    providers: Parameters<typeof startApp>[1] = [],
  ): Promise<FixtureApp> {
    const started = await startApp({ connection: redis!.url, prefix }, providers);
    apps.push(started);
    return started;
  }

  it('a running app reconnects after Redis is killed and revived, and delivers every task once', async () => {
    redis = await RedisServer.start({ config: DURABLE_CONFIG });
    const prefix = freshPrefix();
    const collector = new EventCollector<{ n: number }>();
    const handling = await app(prefix, [collectingHandler('job:*', collector)]);

    // Ten come due during the outage, ten after Redis is back.
    const items = Array.from({ length: 20 }, (_, n) => ({
      key: `job:${n}`,
      payload: { n },
      delay: n < 10 ? 300 + n * 20 : 4_000 + n * 20,
    }));
    const refs = await handling.tasks.scheduleMany(items);

    await redis.kill();
    // The outage itself: long enough for the first ten to come due while Redis is gone.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(collector.events).toEqual([]);
    await redis.revive();
    const upAt = Date.now();

    await collector.count(refs.length, 15_000);
    // The app's own connection got back (acknowledgements need it).
    await waitFor(() => storeIsEmpty(handling.tasks), 10_000, 'every delivery acknowledged');
    // A duplicate would come from a lost acknowledgement or a lease takeover; give
    // the sweep (every 1 s) a couple of turns to produce one.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(keysOf(collector.events)).toEqual(keysOf(refs));
    for (const event of collector.events) {
      const ref = refs.find((r) => r.key === event.key)!;
      expect(event).toMatchObject({
        attempt: 1,
        dueAt: ref.dueAt,
        payload: { n: Number(event.key.split(':')[1]) },
      });
      expect(event.firedAt).toBeGreaterThanOrEqual(ref.dueAt);
    }
    const overdue = collector.events.filter((e) => e.dueAt! < upAt);
    expect(overdue.length).toBeGreaterThanOrEqual(10);
  });

  it('tasks scheduled before a restart while no app runs are delivered once by the next app', async () => {
    redis = await RedisServer.start({ config: DURABLE_CONFIG });
    const prefix = freshPrefix();
    const webTier = await app(prefix);
    const refs = await webTier.tasks.scheduleMany(
      Array.from({ length: 20 }, (_, n) => ({
        key: `mail:${n}`,
        payload: { n },
        delay: n < 10 ? 100 : 3_000,
      })),
    );
    await webTier.close();
    apps = [];

    await redis.restart();

    const collector = new EventCollector<{ n: number }>();
    const handling = await app(prefix, [collectingHandler('mail:*', collector)]);
    await collector.count(refs.length, 10_000);
    await waitFor(() => storeIsEmpty(handling.tasks), 5_000, 'every delivery acknowledged');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(keysOf(collector.events)).toEqual(keysOf(refs));
    expect(collector.events.every((e) => e.attempt === 1)).toBe(true);
    for (const event of collector.events) {
      expect(event.payload).toEqual({ n: Number(event.key.split(':')[1]) });
    }
    // Due before the app started: found by the start-up sweep.
    expect(
      collector.events.filter((e) => Number(e.key.split(':')[1]) < 10).map((e) => e.source),
    ).toEqual(Array(10).fill('recovery'));
  });
});
