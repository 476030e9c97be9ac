/**
 * Every instance announces itself with a heartbeat; `instances()` lists the
 * live ones. A graceful stop leaves at once, a `kill -9` within a few
 * heartbeat periods; a dead instance's patterns then no longer count as
 * handled in `stats().unhandled`.
 */
import IORedis from 'ioredis';
import { hostname } from 'node:os';
import { InstanceInfo } from '../../lib';
import { freshPrefix, startApp } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { isHandled, WorkerMode, WorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait-for';

const HEARTBEAT_MS = 200;
/** DESIGN: gone after three periods without a heartbeat; the rest is a loaded machine's slack. */
const GONE_WITHIN_MS = 3 * HEARTBEAT_MS + 1_000;

describe('instances', () => {
  const suite = ProcessSuite.use();

  const webTier = (prefix: string) =>
    suite.startApp(() =>
      startApp({
        connection: suite.redis.url,
        prefix,
        keyspaceEvents: false,
        heartbeatIntervalMs: HEARTBEAT_MS,
      }),
    );

  const worker = async (prefix: string, name: string, mode: WorkerMode = 'record') =>
    suite.keep(
      await WorkerProcess.start({
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'job:*',
        mode,
        name,
        options: { heartbeatIntervalMs: HEARTBEAT_MS, concurrency: 7 },
      }),
    );

  const byPid = (instances: InstanceInfo[], pid: number) => instances.find((i) => i.pid === pid);

  it('lists every live instance, a web tier with no patterns too; a killed one drops out, a stopped one leaves at once', async () => {
    const prefix = freshPrefix();
    const web = await webTier(prefix);
    const [first, second] = await Promise.all([worker(prefix, 'first'), worker(prefix, 'second')]);

    const listed = await web.tasks.instances();
    expect(listed).toHaveLength(3);
    expect(byPid(listed, process.pid)).toMatchObject({
      host: hostname(),
      patterns: [],
      concurrency: 100,
      inFlight: 0,
    });
    for (const child of [first, second]) {
      expect(byPid(listed, child.pid)).toEqual({
        id: expect.any(String),
        host: hostname(),
        pid: child.pid,
        patterns: ['job:*'],
        concurrency: 7,
        inFlight: 0,
        startedAt: expect.any(Number),
        lastSeenAt: expect.any(Number),
        lateness: { scheduled: expect.any(Object), keyspace: expect.any(Object) },
      });
    }
    expect(new Set(listed.map((i) => i.id)).size).toBe(3);
    // Oldest start first: the web tier started before both workers.
    expect(listed[0].pid).toBe(process.pid);

    // Heartbeats keep coming: lastSeenAt moves on, startedAt stays.
    const seen = byPid(listed, first.pid)!;
    await waitFor(
      async () => byPid(await web.tasks.instances(), first.pid)!.lastSeenAt > seen.lastSeenAt,
      5_000,
      'a later heartbeat',
    );
    expect(byPid(await web.tasks.instances(), first.pid)!.startedAt).toBe(seen.startedAt);

    await first.kill();
    const killedAt = Date.now();
    // Its last heartbeat holds for three periods: still listed just after the kill.
    expect(byPid(await web.tasks.instances(), first.pid)).toBeDefined();
    await waitFor(
      async () => byPid(await web.tasks.instances(), first.pid) === undefined,
      GONE_WITHIN_MS,
      'the killed worker to drop out',
    );
    expect(Date.now() - killedAt).toBeLessThan(GONE_WITHIN_MS);
    // Another instance's heartbeat prunes the dead entry from Redis too.
    const redis = new IORedis(suite.redis.url);
    try {
      await waitFor(
        async () => (await redis.hlen(`${prefix}:{instances}:info`)) === 2,
        5_000,
        'the dead entry pruned',
      );
      expect(await redis.zcard(`${prefix}:{instances}:alive`)).toBe(2);
    } finally {
      redis.disconnect();
    }

    await second.stop();
    expect((await web.tasks.instances()).map((i) => i.pid)).toEqual([process.pid]);

    // Nobody alive handles job:* any more: a due job is reported as unhandled.
    await web.tasks.schedule('job:1', null, { delay: 0 });
    await waitFor(async () => (await web.tasks.stats()).unhandled.length === 1, 5_000, 'unhandled');
    expect((await web.tasks.stats()).unhandled).toEqual([
      { pattern: 'job:*', count: 1, oldestKey: 'job:1', oldestOverdueMs: expect.any(Number) },
    ]);
  });

  it('reports the deliveries in flight as of the last heartbeat', async () => {
    const prefix = freshPrefix();
    const web = await webTier(prefix);
    const stuck = await worker(prefix, 'stuck', 'hang');
    await web.tasks.scheduleMany([
      { key: 'job:a', payload: null, delay: 0 },
      { key: 'job:b', payload: null, delay: 0 },
    ]);
    await stuck.waitUntil(
      (reports) => reports.filter(isHandled).length === 2,
      10_000,
      'two deliveries',
    );
    await waitFor(
      async () => byPid(await web.tasks.instances(), stuck.pid)?.inFlight === 2,
      5_000,
      'inFlight 2 in a heartbeat',
    );
  });
});
