import { Injectable } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired, TaskInfo } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

describe('retries and dead letters', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());

  it('retries with backoff, never re-runs a handler that succeeded, then dead-letters after maxAttempts', async () => {
    const flaky = new EventCollector();
    const steady = new EventCollector();

    @Injectable()
    class Billing {
      @OnKeyExpired('bill:*')
      charge(event: ExpiredKeyEvent) {
        flaky.push(event);
        throw new Error(`card declined (attempt ${event.attempt})`);
      }

      @OnKeyExpired('bill:*')
      notify(event: ExpiredKeyEvent) {
        steady.push(event);
      }
    }

    const fixture = await startApp(
      {
        connection: redis.url,
        prefix: freshPrefix(),
        maxAttempts: 3,
        backoff: { type: 'fixed', delay: 200 },
      },
      [Billing],
    );
    const { tasks } = fixture;
    try {
      const { dueAt } = await tasks.schedule('bill:1', { amount: 5 }, { delay: 0 });
      await flaky.count(3);
      await waitFor(async () => (await tasks.deadLetters()).items.length === 1);

      expect(flaky.events.map((e) => e.attempt)).toEqual([1, 2, 3]);
      // Each retry runs `backoff` after the failure; every delivery reports the due time it was scheduled for.
      expect(flaky.events.map((e) => e.dueAt)).toEqual([dueAt, dueAt, dueAt]);
      for (let i = 1; i < 3; i++) {
        expect(flaky.events[i].firedAt - flaky.events[i - 1].firedAt).toBeGreaterThanOrEqual(195);
      }
      // The handler that succeeded on attempt 1 was not run again.
      expect(steady.events.map((e) => e.attempt)).toEqual([1]);

      const page = await tasks.deadLetters();
      expect(page.cursor).toBeNull();
      expect(page.items).toEqual([
        {
          key: 'bill:1',
          payload: { amount: 5 },
          attempt: 3,
          error: 'card declined (attempt 3)',
          failedAt: expect.any(Number),
        },
      ]);
      await expect(tasks.get('bill:1')).resolves.toBeNull();
      await expect(tasks.stats()).resolves.toMatchObject({
        pending: 0,
        overdue: 0,
        active: 0,
        dead: 1,
      });

      // Requeue: pending again with fresh attempts; the handler runs from attempt 1.
      const requeuedAt = await tasks.requeue('bill:1', { delay: 50 });
      expect(requeuedAt).toEqual(expect.any(Number));
      await expect(tasks.get('bill:1')).resolves.toMatchObject({
        state: 'pending',
        attempt: 0,
        payload: { amount: 5 },
      });
      await flaky.count(4);
      expect(flaky.events[3].attempt).toBe(1);
      await waitFor(async () => (await tasks.deadLetters()).items.length === 1);

      // Discard deletes it for good; requeue of something not dead is null.
      await expect(tasks.discard('bill:1')).resolves.toBe(true);
      await expect(tasks.discard('bill:1')).resolves.toBe(false);
      await expect(tasks.requeue('bill:1')).resolves.toBeNull();

      // Each failure was logged with the handler and the key, and each dead-lettering once.
      const failures = [1, 2, 3].map(
        (attempt) =>
          `Handler Billing.charge failed for key "bill:1": card declined (attempt ${attempt})`,
      );
      expect(fixture.logs.messages('error')).toEqual([...failures, ...failures]);
      expect(fixture.logs.messages('warn')).toEqual(
        Array(2).fill('Task "bill:1" failed 3 time(s) and was dead-lettered.'),
      );
    } finally {
      await fixture.close();
    }
  });

  it('per-task maxAttempts and exponential backoff override the module, and schedule replaces a dead letter', async () => {
    const calls = new EventCollector();

    @Injectable()
    class AlwaysFails {
      @OnKeyExpired('job:*')
      run(event: ExpiredKeyEvent) {
        calls.push(event);
        return Promise.reject(new Error('boom'));
      }
    }

    const fixture = await startApp(
      { connection: redis.url, prefix: freshPrefix(), maxAttempts: 10 },
      [AlwaysFails],
    );
    const { tasks } = fixture;
    try {
      const { dueAt } = await tasks.schedule('job:1', 1, {
        delay: 0,
        maxAttempts: 3,
        backoff: { type: 'exponential', delay: 100 },
      });
      // Waiting for a retry, get() shows the due time it was scheduled for and when the retry runs.
      const waiting: TaskInfo[] = [];
      await waitFor(async () => {
        const task = await tasks.get('job:1');
        if (task?.state === 'pending' && task.attempt > 0) waiting.push(task);
        return waiting.length > 0;
      });
      const [retry] = waiting;
      expect(retry.dueAt).toBe(dueAt);
      const failedDelivery = calls.events[retry.attempt - 1];
      expect(retry.runAt! - failedDelivery.firedAt).toBeGreaterThanOrEqual(
        100 * 2 ** (retry.attempt - 1) - 5,
      );
      await calls.count(3);
      expect(calls.events.map((e) => e.dueAt)).toEqual([dueAt, dueAt, dueAt]);
      await waitFor(async () => (await tasks.deadLetters({ pattern: 'job:*' })).items.length === 1);
      const gaps = [1, 2].map((i) => calls.events[i].firedAt - calls.events[i - 1].firedAt);
      expect(gaps[0]).toBeGreaterThanOrEqual(95); // 100 * 2^0
      expect(gaps[1]).toBeGreaterThanOrEqual(195); // 100 * 2^1
      expect(gaps[1]).toBeLessThan(1_000);

      // Scheduling the key again replaces the dead letter.
      await tasks.schedule('job:1', 2, { delay: 60_000 });
      await expect(tasks.deadLetters()).resolves.toEqual({ items: [], cursor: null });
      await expect(tasks.get('job:1')).resolves.toMatchObject({
        state: 'pending',
        attempt: 0,
        payload: 2,
      });
      await tasks.cancel('job:1');
      expect(fixture.logs.messages('error')).toEqual(
        Array(3).fill('Handler AlwaysFails.run failed for key "job:1": boom'),
      );
    } finally {
      await fixture.close();
    }
  });

  it('pages through dead letters with a pattern and a cursor', async () => {
    @Injectable()
    class Fails {
      @OnKeyExpired('dl:*')
      run() {
        throw new Error('no');
      }
    }
    const fixture = await startApp(
      { connection: redis.url, prefix: freshPrefix(), maxAttempts: 1 },
      [Fails],
    );
    const { tasks } = fixture;
    try {
      await tasks.scheduleMany(
        Array.from({ length: 300 }, (_, n) => ({
          key: `dl:${n % 2 ? 'odd' : 'even'}:${n}`,
          payload: n,
          delay: 0,
        })),
      );
      await waitFor(async () => (await tasks.stats()).dead === 300);
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await tasks.deadLetters({ pattern: 'dl:odd:*', limit: 40, cursor });
        page.items.forEach((item) => {
          expect(item.key.startsWith('dl:odd:')).toBe(true);
          expect(item.payload).toBe(Number(item.key.split(':')[2]));
          seen.add(item.key);
        });
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(seen.size).toBe(150);
      expect(fixture.logs.messages('error')).toHaveLength(300);
    } finally {
      await fixture.close();
    }
  });
});
