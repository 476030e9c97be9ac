/**
 * Scripts version 3 → 4 (one lease per claim): what an instance of this
 * version finds when version 3 ran, or still runs, on the same Redis. Version 3
 * is played here by writing exactly what its scripts wrote: per key a lease in
 * `active` and the claim token in the state; its schedule knew nothing of
 * `claims`.
 */
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { SCRIPT_KEYS } from '../../lib/store/script-keys';
import { ScriptLibrary } from '../../lib/store/script-library';
import { TaskKeys } from '../../lib/store/task-keys';
import { RedisServer } from '../../lib/testing/redis-server';
import { EMPTY_STATS } from '../support/empty-store';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

const SWEEP_MS = 100;

describe('upgrading from scripts version 3', () => {
  let redis: RedisServer;
  let admin: IORedis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new IORedis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it('runs tasks version 3 left pending, and takes over those it left in flight when it died', async () => {
    const prefix = freshPrefix();
    const shard = new TaskKeys(prefix, 1).shards[0];
    const now = Number((await admin.time())[0]) * 1000;
    // Pending: a record and a due entry, as every version since 0.1 writes them.
    await admin.hset(shard.tasks, 'order:pending', `||${now - 50}|{"id":1}`);
    await admin.zadd(shard.due, now - 50, 'order:pending');
    // In flight at a version 3 instance that died: its lease ran out a second ago.
    await admin.hset(shard.tasks, 'order:stranded', `||${now - 5_000}|{"id":2}`);
    await admin.hset(shard.state, 'order:stranded', '1|41@old-instance||');
    await admin.zadd(shard.legacyActive, now - 1_000, 'order:stranded');

    const events = new EventCollector();
    @Injectable()
    class Orders {
      @OnKeyExpired('order:*')
      handle(event: ExpiredKeyEvent) {
        events.push(event);
      }
    }
    const app = await startApp({ connection: redis.url, prefix, sweepIntervalMs: SWEEP_MS }, [
      Orders,
    ]);
    try {
      await events.count(2);
      const byKey = new Map(events.events.map((event) => [event.key, event]));
      expect(byKey.get('order:pending')).toMatchObject({ payload: { id: 1 }, attempt: 1 });
      expect(byKey.get('order:stranded')).toMatchObject({
        payload: { id: 2 },
        attempt: 2,
        source: 'recovery',
        dueAt: now - 5_000,
      });
      await waitFor(async () => (await admin.exists(shard.tasks)) === 0, 5_000, 'both acked');
      await expect(admin.exists(shard.legacyActive, shard.state)).resolves.toBe(0);
      await expect(admin.zcount(shard.claims, 1, '+inf')).resolves.toBe(0);
      await expect(app.tasks.stats()).resolves.toEqual(EMPTY_STATS);
    } finally {
      await app.close();
    }
  });

  it('never deletes a task that version 3 scheduled again, or claimed again, while this version ran it', async () => {
    const prefix = freshPrefix();
    const shard = new TaskKeys(prefix, 1).shards[0];
    const started = new EventCollector<{ round: number }>();
    const release = new Map<string, () => void>();
    @Injectable()
    class Held {
      @OnKeyExpired('job:*')
      async handle(event: ExpiredKeyEvent<{ round: number }>) {
        started.push(event);
        if (event.payload?.round === 1) {
          await new Promise<void>((resolve) => release.set(event.key, resolve));
        }
      }
    }
    const app = await startApp({ connection: redis.url, prefix, sweepIntervalMs: SWEEP_MS }, [
      Held,
    ]);
    try {
      await app.tasks.schedule('job:rescheduled', { round: 1 }, { delay: 0 });
      await app.tasks.schedule('job:reclaimed', { round: 1 }, { delay: 0 });
      await started.count(2);
      const now = Number((await admin.time())[0]) * 1000;

      // Version 3's schedule replaces both, as it did: without touching `claims`.
      for (const key of ['job:rescheduled', 'job:reclaimed']) {
        await admin
          .multi()
          .zrem(shard.legacyActive, key)
          .hdel(shard.state, key)
          .hset(shard.tasks, key, `||${now + 60_000}|{"round":2}`)
          .zadd(shard.due, now + 60_000, key)
          .exec();
      }
      // ...and a version 3 instance claims one of them again.
      await admin
        .multi()
        .zrem(shard.due, 'job:reclaimed')
        .hset(shard.state, 'job:reclaimed', '1|7@old-instance||')
        .zadd(shard.legacyActive, now + 60_000, 'job:reclaimed')
        .exec();

      // The first deliveries end here: their acknowledgements must not apply.
      release.forEach((resolve) => resolve());
      await waitFor(
        async () => (await admin.zcount(shard.claims, 1, '+inf')) === 0,
        5_000,
        'the first deliveries acknowledged',
      );
      await expect(app.tasks.get('job:rescheduled')).resolves.toMatchObject({
        state: 'pending',
        payload: { round: 2 },
      });
      await expect(admin.hget(shard.tasks, 'job:reclaimed')).resolves.toBe(
        `||${now + 60_000}|{"round":2}`,
      );
      await expect(admin.hget(shard.state, 'job:reclaimed')).resolves.toBe('1|7@old-instance||');
      await expect(app.tasks.get('job:reclaimed')).resolves.toMatchObject({ state: 'active' });
    } finally {
      await app.close();
    }
  });

  it('takes over nothing of a dead instance whose tasks version 3 scheduled or claimed again', async () => {
    const keys = new TaskKeys(freshPrefix(), 1);
    const shard = keys.shards[0];
    const scripts = new ScriptLibrary();
    scripts.install(admin);
    await scripts.run(admin, 'schedule', SCRIPT_KEYS.schedule(shard), [
      keys.wakeChannel,
      'job:a',
      'd0',
      '||',
      '',
      'r',
      'job:b',
      'd0',
      '||',
      '',
      'r',
    ]);
    // This version claims both with a 50 ms lease, and its instance dies.
    await scripts.run(admin, 'claim', SCRIPT_KEYS.claim(shard), [
      10,
      50,
      '',
      '',
      100,
      'dead-instance',
      0,
      'job:*',
    ]);
    await expect(admin.zcount(shard.claims, 1, '+inf')).resolves.toBe(2);
    const now = Number((await admin.time())[0]) * 1000;
    // Version 3 schedules job:a again and claims job:b again.
    await admin.hset(shard.tasks, 'job:a', `||${now + 60_000}|`);
    await admin.zadd(shard.due, now + 60_000, 'job:a');
    await admin.hset(shard.state, 'job:b', '2|9@old-instance||');
    await admin.zadd(shard.legacyActive, now + 60_000, 'job:b');

    await new Promise((resolve) => setTimeout(resolve, 100));
    const [requeued, dead] = (await scripts.run(admin, 'recover', SCRIPT_KEYS.recover(shard), [
      100,
      3,
      JSON.stringify('lease ran out'),
      keys.wakeChannel,
    ])) as [number, number];
    expect([requeued, dead]).toEqual([0, 0]);
    // job:a keeps the due time version 3 gave it, job:b its claim there; the dead claim is gone.
    await expect(admin.zscore(shard.due, 'job:a')).resolves.toBe(String(now + 60_000));
    await expect(admin.zscore(shard.due, 'job:b')).resolves.toBeNull();
    await expect(admin.hget(shard.state, 'job:b')).resolves.toBe('2|9@old-instance||');
    await expect(admin.exists(shard.leases, shard.holders)).resolves.toBe(0);
    await expect(admin.zcount(shard.claims, 1, '+inf')).resolves.toBe(0);
  });
});
