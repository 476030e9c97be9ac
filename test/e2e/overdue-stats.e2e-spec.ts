/**
 * `stats()` answers "why is this not running?": how long the oldest overdue
 * task has waited, and which overdue tasks no live instance has a handler for,
 * grouped by key prefix.
 */
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { EMPTY_STATS } from '../support/empty-store';

describe('stats: oldest overdue and unhandled tasks', () => {
  let redis: RedisServer;
  const apps: FixtureApp[] = [];
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function start(prefix: string, ...patterns: string[]): Promise<FixtureApp> {
    const handlers = patterns.map((pattern) => collectingHandler(pattern, new EventCollector()));
    const app = await startApp(
      { connection: redis.url, prefix, keyspaceEvents: false, heartbeatIntervalMs: 200 },
      handlers,
    );
    apps.push(app);
    return app;
  }

  it('oldestOverdueMs: 0 with nothing due, then the age of the longest-waiting due task', async () => {
    const web = await start(freshPrefix());
    await expect(web.tasks.stats()).resolves.toEqual(EMPTY_STATS);

    await web.tasks.schedule('later:1', null, { delay: 60_000 });
    expect((await web.tasks.stats()).oldestOverdueMs).toBe(0);

    const writtenAt = Date.now();
    // A due time in the past counts from when the task was written (it was not claimable before).
    await web.tasks.schedule('report:1', null, { at: writtenAt - 3_600_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await web.tasks.schedule('report:2', null, { delay: 0 });
    const stats = await web.tasks.stats();
    const elapsed = Date.now() - writtenAt;
    expect(stats).toMatchObject({ pending: 3, overdue: 2 });
    expect(stats.oldestOverdueMs).toBeGreaterThanOrEqual(290);
    expect(stats.oldestOverdueMs).toBeLessThanOrEqual(elapsed + 20);

    await web.tasks.cancel('report:1');
    expect((await web.tasks.stats()).oldestOverdueMs).toBeLessThan(stats.oldestOverdueMs - 250);
  });

  it('unhandled: overdue tasks no live instance matches, by key prefix; handled ones run, and a leaving instance’s patterns stop counting', async () => {
    const prefix = freshPrefix();
    const web = await start(prefix);
    const jobs = await start(prefix, 'job:*', 'mail:[a-w]*');
    await web.tasks.scheduleMany([
      { key: 'report:daily:1', payload: null, delay: 0 },
      { key: 'report:daily:2', payload: null, delay: 0 },
      { key: 'mail:welcome:ann', payload: null, delay: 0 },
      { key: 'mail:zebra:1', payload: null, delay: 0 },
      { key: 'job:1', payload: null, delay: 0 },
    ]);
    await waitFor(async () => (await web.tasks.stats()).overdue === 3, 5_000, 'handled ones run');

    const { unhandled } = await web.tasks.stats();
    expect(unhandled).toEqual([
      {
        pattern: 'report:daily:*',
        count: 2,
        oldestKey: expect.stringMatching(/^report:daily:[12]$/),
        oldestOverdueMs: expect.any(Number),
      },
      {
        pattern: 'mail:zebra:*',
        count: 1,
        oldestKey: 'mail:zebra:1',
        oldestOverdueMs: expect.any(Number),
      },
    ]);

    await jobs.close();
    apps.splice(apps.indexOf(jobs), 1);
    await web.tasks.schedule('job:2', null, { delay: 0 });
    expect(
      (await web.tasks.stats()).unhandled.map((group) => [group.pattern, group.count]),
    ).toEqual([
      ['report:daily:*', 2],
      // Equal counts: the one overdue longer first.
      ['mail:zebra:*', 1],
      ['job:*', 1],
    ]);
  });
});
