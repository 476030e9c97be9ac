/**
 * `timeoutMs` and `event.signal`: a delivery that runs past its handler's
 * timeout is aborted and fails (retried per backoff, then dead-lettered with
 * the timeout), whether or not the handler heeds the signal; plain keys get a
 * signal and a timeout too.
 */
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExpiredKeyEvent, HandlerTimeoutError, OnKeyExpired } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { EMPTY_STATS } from '../support/empty-store';
import { EventCollector, FixtureApp, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

describe('handler timeouts', () => {
  let redis: RedisServer;
  let apps: FixtureApp[] = [];

  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  afterEach(async () => {
    await Promise.allSettled(apps.map((app) => app.close()));
    apps = [];
  });

  async function app(providers: Parameters<typeof startApp>[1], keyspaceEvents = false) {
    const started = await startApp(
      { connection: redis.url, prefix: freshPrefix(), keyspaceEvents },
      providers,
    );
    apps.push(started);
    return started;
  }

  it('aborts a handler that ignores its signal, retries per backoff, then dead-letters with the timeout', async () => {
    const deliveries = new EventCollector();
    @Injectable()
    class Exporter {
      @OnKeyExpired('export:*', { timeoutMs: 200 })
      run(event: ExpiredKeyEvent): Promise<void> {
        deliveries.push(event);
        return new Promise(() => undefined); // never settles, never looks at the signal
      }
    }
    const { tasks, logs } = await app([Exporter]);
    await tasks.schedule(
      'export:1',
      { rows: 3 },
      {
        delay: 0,
        maxAttempts: 2,
        backoff: { type: 'fixed', delay: 100 },
      },
    );

    await waitFor(
      async () => (await tasks.deadLetters()).items.length === 1,
      10_000,
      'the dead letter',
    );
    const [dead] = (await tasks.deadLetters()).items;
    expect(dead).toMatchObject({ key: 'export:1', attempt: 2, payload: { rows: 3 } });
    expect(dead.error).toBe('Handler Exporter.run timed out after 200 ms (timeoutMs).');
    await expect(tasks.stats()).resolves.toEqual({ ...EMPTY_STATS, dead: 1 });

    expect(deliveries.events.map((e) => e.attempt)).toEqual([1, 2]);
    for (const { signal } of deliveries.events) {
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(HandlerTimeoutError);
      expect(signal.reason).toMatchObject({ handler: 'Exporter.run', timeoutMs: 200 });
    }
    // The second delivery waited for the timeout and the backoff.
    const [first, second] = deliveries.events;
    expect(second.firedAt - first.firedAt).toBeGreaterThanOrEqual(300 - 5);

    expect(logs.messages('error')).toEqual([
      'Handler Exporter.run failed for key "export:1": Handler Exporter.run timed out after 200 ms (timeoutMs).',
      'Handler Exporter.run failed for key "export:1": Handler Exporter.run timed out after 200 ms (timeoutMs).',
    ]);
    expect(logs.messages('warn')).toEqual([
      'Task "export:1" failed 2 time(s) and was dead-lettered.',
    ]);
  });

  it('a handler that heeds its signal fails once per timeout, and a retry that finishes in time is acknowledged', async () => {
    const deliveries = new EventCollector();
    @Injectable()
    class Fetcher {
      @OnKeyExpired('fetch:*', { timeoutMs: 150 })
      async run(event: ExpiredKeyEvent): Promise<void> {
        deliveries.push(event);
        if (event.attempt > 1) return;
        await new Promise((_resolve, reject) =>
          event.signal.addEventListener('abort', () => reject(event.signal.reason as Error)),
        );
      }
    }
    const { tasks, logs } = await app([Fetcher]);
    await tasks.schedule('fetch:1', undefined, {
      delay: 0,
      backoff: { type: 'fixed', delay: 50 },
    });
    await deliveries.count(2);
    await waitFor(
      async () => JSON.stringify(await tasks.stats()) === JSON.stringify(EMPTY_STATS),
      5_000,
      'the retry acknowledged',
    );
    expect(deliveries.events[1].signal.aborted).toBe(false);
    // The rejection the abort caused is not reported a second time.
    expect(logs.messages('error')).toEqual([
      'Handler Fetcher.run failed for key "fetch:1": Handler Fetcher.run timed out after 150 ms (timeoutMs).',
    ]);
  });

  it('plain expired keys carry a signal, aborted at the timeout', async () => {
    const plain = new EventCollector();
    @Injectable()
    class Sessions {
      @OnKeyExpired('session:*', { timeoutMs: 100 })
      end(event: ExpiredKeyEvent): Promise<void> {
        plain.push(event);
        return new Promise(() => undefined);
      }
    }
    const { logs } = await app([Sessions], true);
    const client = new IORedis(redis.url);
    try {
      await client.set('session:7', 'x', 'PX', 20);
      const event = await plain.forKey('session:7');
      expect(event.scheduled).toBe(false);
      expect(event.signal.aborted).toBe(false);
      await waitFor(() => event.signal.aborted, 5_000, 'the plain key timed out');
      expect(event.signal.reason).toBeInstanceOf(HandlerTimeoutError);
      await waitFor(() => logs.messages('error').length === 1, 2_000, 'the failure logged');
      expect(logs.messages('error')[0]).toBe(
        'Handler Sessions.end failed for key "session:7": Handler Sessions.end timed out after 100 ms (timeoutMs).',
      );
    } finally {
      client.disconnect();
    }
  });
});
