/**
 * Lua's unpack() fails past about 8,000 values. Every script that takes a list
 * of unbounded length works in bounded chunks, so an instance with far more
 * deliveries in flight than that renews every lease (no task is taken over
 * while its handler runs) and acknowledges them all.
 */
import { Injectable } from '@nestjs/common';
import IORedis, { Redis } from 'ioredis';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { SCRIPT_KEYS } from '../../lib/store/script-keys';
import { ScriptLibrary } from '../../lib/store/script-library';
import { TaskKeys } from '../../lib/store/task-keys';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix, startApp } from '../support/fixture-app';
import { failedCalls } from '../support/redis-info';
import { waitFor } from '../support/wait-for';

const TASKS = 20_000;
const HANDLER_MS = 2_500;
const LEASE_MS = 1_000;

describe('far more deliveries in flight than Lua can unpack', () => {
  let redis: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new IORedis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it(`runs each of ${TASKS.toLocaleString('en-US')} slow tasks exactly once, leases renewed while they run`, async () => {
    const runs = new Map<string, number>();
    let finished = 0;
    let allFinished!: () => void;
    const done = new Promise<void>((resolve) => (allFinished = resolve));

    @Injectable()
    class SlowHandler {
      @OnKeyExpired('slow:*')
      async handle(event: ExpiredKeyEvent): Promise<void> {
        runs.set(event.key, (runs.get(event.key) ?? 0) + 1);
        // Outlives the lease more than twice: only renewals keep the task from being taken over.
        await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
        if (++finished === TASKS) allFinished();
      }
    }

    const fixture = await startApp(
      {
        connection: redis.url,
        prefix: freshPrefix(),
        concurrency: TASKS,
        leaseMs: LEASE_MS,
        keyspaceEvents: false,
      },
      [SlowHandler],
    );
    try {
      await fixture.tasks.scheduleMany(
        Array.from({ length: TASKS }, (_, n) => ({ key: `slow:${n}`, payload: n, delay: 0 })),
      );
      await done;
      // Acknowledgements are batched after the handlers resolve: wait until the store holds nothing.
      await waitFor(
        async () => {
          const { pending, active, dead } = await fixture.tasks.stats();
          return pending + active + dead === 0;
        },
        20_000,
        'an empty store',
      );

      expect(runs.size).toBe(TASKS);
      expect([...runs.values()].filter((count) => count > 1)).toEqual([]);
      await expect(scriptFailures(admin)).resolves.toBe(0);
    } finally {
      await fixture.close();
    }
  }, 60_000);

  it('claims, acknowledges and schedules lists longer than unpack() takes in a single script call', async () => {
    // Straight to the scripts, past the store's own batching: each must chunk inside Lua too.
    const keys = new TaskKeys(freshPrefix(), 1);
    const shard = keys.shards[0];
    const scripts = new ScriptLibrary();
    scripts.install(admin);
    const count = 10_000;
    const args: string[] = [keys.wakeChannel];
    for (let n = 0; n < count; n++) args.push(`k:${n}`, 'd0', '||', '', 'r');
    const dues = (await scripts.run(
      admin,
      'schedule',
      SCRIPT_KEYS.schedule(shard),
      args,
    )) as number[];
    expect(dues).toHaveLength(count);

    // One claim of all of them: its keys go into the claims set in chunks.
    const reply = (await scripts.run(admin, 'claim', SCRIPT_KEYS.claim(shard), [
      count,
      60_000,
      '',
      '',
      count,
      'tester',
      0, // no handler with a concurrency limit
      'k:*',
    ])) as unknown[];
    const claim = String(reply[5]);
    const claimed: string[] = [];
    // Per task: key, state before, record, due-index score.
    for (let i = 9; i < reply.length; i += 4) claimed.push(String(reply[i]), claim);
    expect(claimed).toHaveLength(count * 2);
    await expect(admin.zcount(shard.claims, 1, '+inf')).resolves.toBe(count);
    const renewed = await scripts.run(admin, 'renew', [shard.leases], [60_000, claim]);
    expect(Number(renewed)).toBe(1);
    const acked = await scripts.run(admin, 'ack', SCRIPT_KEYS.ack(shard), claimed);
    expect(Number(acked)).toBe(count);
    await expect(
      admin.exists(shard.due, shard.tasks, shard.state, shard.leases, shard.holders),
    ).resolves.toBe(0);
    await expect(admin.zcount(shard.claims, 1, '+inf')).resolves.toBe(0);
    await expect(scriptFailures(admin)).resolves.toBe(0);
  });
});

/** Script calls the server answered with an error (the module runs its scripts by EVALSHA, EVAL after a NOSCRIPT). */
async function scriptFailures(client: Redis): Promise<number> {
  const counts = await Promise.all(
    ['evalsha', 'eval'].map((command) => failedCalls(client, command)),
  );
  return counts[0] + counts[1];
}
