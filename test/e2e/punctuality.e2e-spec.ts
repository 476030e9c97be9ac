/**
 * Scheduled tasks fire on time however many keys the database holds, because
 * they do not wait for Redis' expired event: a database with 200,000 volatile
 * keys makes the active-expire cycle find a short-lived key late (DESIGN: "Two
 * kinds of expiration"), while the module's timer is unaffected. How late
 * plain keys arrive beside them is the benchmark's to measure, side by side.
 */
import IORedis from 'ioredis';
import { ExpiredKeyEvent } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';

const FILLER_KEYS = 200_000;
const FILLER_BATCH = 50_000;
const TASKS = 200;
const WINDOW_MS = 2_000;
const MAX_LATENESS_MS = 100;

/** Writes `ARGV[2]` keys with a one-hour TTL from index `ARGV[1]`, in one call (no round trip per key). */
const FILL = `
for i = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1 do
  redis.call('SET', 'filler:' .. i, 'x', 'EX', 3600)
end
return redis.call('DBSIZE')`;

describe('punctuality in a crowded database', () => {
  let redis: RedisServer;
  let client: IORedis | undefined;
  let fixture: FixtureApp | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start({ config: { 'notify-keyspace-events': 'Ex' } });
  });
  afterAll(async () => {
    await fixture?.close();
    client?.disconnect();
    await redis.stop();
  });

  it(`fires every one of ${TASKS} tasks within ${MAX_LATENESS_MS} ms of due next to ${FILLER_KEYS} volatile keys`, async () => {
    client = new IORedis(redis.url);
    for (let start = 0; start < FILLER_KEYS; start += FILLER_BATCH) {
      await client.eval(FILL, 0, start, FILLER_BATCH);
    }
    expect(await client.dbsize()).toBe(FILLER_KEYS);

    const tasks = new EventCollector();
    /** Date.now() when each handler started: the lateness the user's code sees. */
    const handlerNow = new Map<string, number>();
    const note = (event: ExpiredKeyEvent) => void handlerNow.set(event.key, Date.now());
    fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('task:*', tasks, note),
    ]);

    // Due times on Redis' clock, the one the module judges them by.
    const [seconds, micros] = await client.time();
    const base = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) + 1_000;
    const step = WINDOW_MS / TASKS;
    const refs = await fixture.tasks.scheduleMany(
      Array.from({ length: TASKS }, (_, n) => ({
        key: `task:${n}`,
        payload: { n },
        at: Math.round(base + n * step),
      })),
    );
    expect(Date.now()).toBeLessThan(base); // everything was in place before the first was due

    await tasks.count(TASKS, WINDOW_MS + 10_000);

    const dueOf = new Map(refs.map((r) => [r.key, r.dueAt]));
    const fired = tasks.events.map((e) => e.firedAt - dueOf.get(e.key)!);
    const seen = tasks.events.map((e) => handlerNow.get(e.key)! - dueOf.get(e.key)!);

    expect(new Set(tasks.events.map((e) => e.key)).size).toBe(TASKS);
    const late = (values: number[]) =>
      tasks.events
        .map((e, i) => ({ key: e.key, lateness: values[i] }))
        .filter(({ lateness }) => lateness > MAX_LATENESS_MS || lateness < -5);
    expect(late(fired)).toEqual([]);
    expect(late(seen)).toEqual([]);
  });
});
