/**
 * Recurring series on one app: repeat() and @Recurring, what get/list/cancel
 * show and do, re-declaring, retries bounded by the next occurrence, bad
 * input (nothing written), and the testing toolkit driving a series.
 */
import { Injectable } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import {
  DelayTaskModule,
  DeliveryAbortedError,
  DelayTaskService,
  ExpiredKeyEvent,
  InvalidCronExpressionError,
  InvalidIntervalError,
  InvalidOptionsError,
  InvalidTaskKeyError,
  OnKeyExpired,
  OnTaskEvent,
  Recurring,
  TaskLifecycleEvent,
  UnknownTimeZoneError,
} from '../../lib';
import { DelayTaskTesting } from '../../lib/testing';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';
import { waitFor } from '../support/wait-for';

describe('recurring series', () => {
  let redis: RedisServer;
  let app: FixtureApp | undefined;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('repeat(): each occurrence once, on its fixed-rate grid, never early; get/list show the rule; cancel ends it', async () => {
    const collector = new EventCollector();
    app = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('tick:*', collector),
    ]);
    const ref = await app.tasks.repeat('tick:a', { n: 1 }, { every: 250 });
    await expect(app.tasks.get('tick:a')).resolves.toMatchObject({
      key: 'tick:a',
      dueAt: ref.dueAt,
      state: 'pending',
      payload: { n: 1 },
      series: { every: 250, missed: 'once' },
    });
    const page = await app.tasks.list({ pattern: 'tick:*' });
    expect(page.items).toEqual([
      expect.objectContaining({ key: 'tick:a', series: { every: 250, missed: 'once' } }),
    ]);

    await collector.count(4, 10_000);
    const dues = collector.events.slice(0, 4).map((event) => event.dueAt);
    expect(dues).toEqual([ref.dueAt, ref.dueAt + 250, ref.dueAt + 500, ref.dueAt + 750]);
    for (const event of collector.events) {
      expect(event).toMatchObject({
        recurring: true,
        scheduled: true,
        attempt: 1,
        payload: { n: 1 },
      });
      expect(event.firedAt).toBeGreaterThanOrEqual(event.dueAt!);
    }

    await expect(app.tasks.cancel('tick:a')).resolves.toBe(true);
    const seen = collector.events.length;
    await expect(app.tasks.get('tick:a')).resolves.toBeNull();
    // Two periods with nothing: the series is over (at most an occurrence already running finishes).
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(collector.events.length).toBeLessThanOrEqual(seen + 1);
    await expect(app.tasks.get('tick:a')).resolves.toBeNull();
    await expect(app.tasks.cancel('tick:a')).resolves.toBe(false);
  });

  it('repeat() again keeps the next occurrence and takes the new rule and payload from there', async () => {
    app = await startApp({ connection: redis.url, prefix: freshPrefix() });
    const first = await app.tasks.repeat(
      'report:daily',
      { v: 1 },
      { cron: '0 2 * * *', tz: 'Europe/Berlin' },
    );
    const again = await app.tasks.repeat(
      'report:daily',
      { v: 2 },
      { cron: '0 3 * * *', tz: 'Europe/Berlin' },
      { missed: 'skip' },
    );
    expect(again.dueAt).toBe(first.dueAt);
    expect(new Date(first.dueAt).getUTCMinutes()).toBe(0);
    await expect(app.tasks.get('report:daily')).resolves.toMatchObject({
      dueAt: first.dueAt,
      payload: { v: 2 },
      series: { cron: '0 3 * * *', tz: 'Europe/Berlin', missed: 'skip' },
    });
    // A one-off task of the key is replaced by the series.
    await app.tasks.schedule('report:weekly', { once: true }, { delay: 60_000 });
    const series = await app.tasks.repeat('report:weekly', undefined, { every: 3_600_000 });
    await expect(app.tasks.get('report:weekly')).resolves.toMatchObject({
      dueAt: series.dueAt,
      series: { every: 3_600_000 },
    });
  });

  it('a failing occurrence retries only while the retry starts before the next occurrence, then is skipped', async () => {
    const collector = new EventCollector();
    const lifecycle: TaskLifecycleEvent[] = [];
    @Injectable()
    class Watch {
      @OnTaskEvent('skipped')
      skipped(event: TaskLifecycleEvent): void {
        lifecycle.push(event);
      }
    }
    app = await startApp(
      {
        connection: redis.url,
        prefix: freshPrefix(),
        maxAttempts: 5,
        backoff: { type: 'fixed', delay: 600 },
      },
      [
        collectingHandler('flaky:*', collector, () => {
          throw new Error('upstream down');
        }),
        Watch,
      ],
    );
    const ref = await app.tasks.repeat('flaky:1', undefined, { every: 1_000 });
    // Occurrence 1: attempt 1 at due, attempt 2 at +600; a third at +1200 would pass the next
    // occurrence (+1000): given up. Occurrence 2 starts afresh at +1000.
    await collector.until(
      (events) => events.some((event) => event.dueAt === ref.dueAt + 1_000),
      10_000,
      'the second occurrence',
    );
    const first = collector.events.filter((event) => event.dueAt === ref.dueAt);
    expect(first.map((event) => event.attempt)).toEqual([1, 2]);
    const second = collector.events.find((event) => event.dueAt === ref.dueAt + 1_000)!;
    expect(second.attempt).toBe(1);
    expect(second.firedAt).toBeGreaterThanOrEqual(ref.dueAt + 1_000);
    expect(lifecycle[0]).toMatchObject({
      type: 'skipped',
      key: 'flaky:1',
      attempt: 2,
      error: 'upstream down',
    });
    expect(app.logs.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining(
          'Occurrence of series "flaky:1" failed 2 time(s) and is given up',
        ),
      }),
    );
    await expect(app.tasks.deadLetters()).resolves.toMatchObject({ items: [] });
  });

  it('a handler shorter than the period does not delay the next tick; one longer never overlaps the next run', async () => {
    const spans: Array<{ dueAt: number; start: number; end: number }> = [];
    let busyMs = 150;
    const collector = new EventCollector();
    app = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('busy:*', collector, async (event) => {
        const start = Date.now();
        await new Promise((resolve) => setTimeout(resolve, busyMs));
        spans.push({ dueAt: event.dueAt!, start, end: Date.now() });
      }),
    ]);
    const every = 300;
    const ref = await app.tasks.repeat('busy:1', undefined, { every });
    await collector.count(3, 10_000);
    // 150 ms of a 300 ms period: the next occurrences are due on the grid and fire on it.
    const onTime = collector.events.slice(0, 3);
    expect(onTime.map((event) => event.dueAt)).toEqual([
      ref.dueAt,
      ref.dueAt + every,
      ref.dueAt + 2 * every,
    ]);
    for (const event of onTime) expect(event.firedAt - event.dueAt!).toBeLessThan(every / 2);

    // 450 ms of a 300 ms period: never two runs at once, every due time on the grid, and the
    // ticks that came during a run collapse into one catch-up right after it.
    busyMs = 450;
    const from = collector.events.length;
    await collector.count(from + 4, 15_000);
    await waitFor(() => spans.length >= from + 4, 5_000, 'runs finished');
    const slow = spans.slice(from);
    for (let i = 1; i < slow.length; i++) {
      expect(slow[i].start).toBeGreaterThanOrEqual(slow[i - 1].end);
      expect(slow[i].dueAt).toBeGreaterThan(slow[i - 1].dueAt);
      expect((slow[i].dueAt - ref.dueAt) % every).toBe(0);
    }
    await app.tasks.cancel('busy:1');
  });

  it('cancel() while an occurrence runs: it finishes, and no next occurrence is written', async () => {
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    const collector = new EventCollector();
    app = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('long:*', collector, () => running),
    ]);
    await app.tasks.repeat('long:1', undefined, { every: 200 });
    await collector.count(1, 5_000);
    await expect(app.tasks.get('long:1')).resolves.toMatchObject({ state: 'active' });
    await expect(app.tasks.cancel('long:1')).resolves.toBe(true);
    release();
    await waitFor(async () => (await app!.tasks.stats()).active === 0, 5_000, 'the run ended');
    await expect(app.tasks.get('long:1')).resolves.toBeNull();
    await expect(app.tasks.stats()).resolves.toMatchObject({ pending: 0, dead: 0 });
    expect(collector.events).toHaveLength(1);
  });

  it('cancel(key, { abort: true }) while an occurrence runs: its signal aborts and the series ends', async () => {
    const reasons: unknown[] = [];
    const collector = new EventCollector();
    app = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler(
        'stuck:*',
        collector,
        (event) =>
          new Promise<void>((resolve) =>
            event.signal.addEventListener('abort', () => {
              reasons.push(event.signal.reason);
              resolve();
            }),
          ),
      ),
    ]);
    await app.tasks.repeat('stuck:1', undefined, { every: 200 });
    await collector.count(1, 5_000);
    await expect(app.tasks.cancel('stuck:1', { abort: true })).resolves.toBe(true);
    await waitFor(() => reasons.length === 1, 5_000, 'the signal aborted');
    expect(reasons[0]).toBeInstanceOf(DeliveryAbortedError);
    expect(reasons[0]).toMatchObject({ origin: 'cancel' });
    await waitFor(async () => (await app!.tasks.stats()).active === 0, 5_000, 'the run ended');
    await expect(app.tasks.get('stuck:1')).resolves.toBeNull();
    await expect(app.tasks.stats()).resolves.toMatchObject({ pending: 0, dead: 0 });
    expect(collector.events).toHaveLength(1);
  });

  it('re-declared while an occurrence runs: the next occurrence follows the new rule', async () => {
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    const collector = new EventCollector();
    app = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('grow:*', collector, () => running),
    ]);
    const ref = await app.tasks.repeat('grow:1', undefined, { every: 200 });
    await collector.count(1, 5_000);
    const again = await app.tasks.repeat('grow:1', undefined, { every: 60_000 });
    expect(again.dueAt).toBe(ref.dueAt + 60_000);
    release();
    await waitFor(
      async () => (await app!.tasks.get('grow:1'))?.state === 'pending',
      5_000,
      'the next occurrence',
    );
    await expect(app.tasks.get('grow:1')).resolves.toMatchObject({
      dueAt: ref.dueAt + 60_000,
      series: { every: 60_000 },
    });
    await app.tasks.cancel('grow:1');
  });

  it('bad input: a named error and nothing written', async () => {
    app = await startApp({ connection: redis.url, prefix: freshPrefix() });
    const { tasks } = app;
    await expect(tasks.repeat('', undefined, { every: 100 })).rejects.toThrow(InvalidTaskKeyError);
    await expect(tasks.repeat('x', undefined, { every: 0 })).rejects.toThrow(InvalidIntervalError);
    await expect(tasks.repeat('x', undefined, { every: 2.5 })).rejects.toThrow(
      InvalidIntervalError,
    );
    await expect(tasks.repeat('x', undefined, { cron: '* * *' })).rejects.toThrow(
      InvalidCronExpressionError,
    );
    await expect(
      tasks.repeat('x', undefined, { cron: '0 2 * * *', tz: 'Nowhere/Land' }),
    ).rejects.toThrow(UnknownTimeZoneError);
    await expect(
      tasks.repeat('x', undefined, { cron: '0 2 * * *', every: 5 } as unknown as { every: number }),
    ).rejects.toThrow(InvalidOptionsError);
    await expect(
      tasks.repeat('x', undefined, { every: 5 }, { missed: 'all' as 'once' }),
    ).rejects.toThrow(InvalidOptionsError);
    await expect(tasks.repeat('x', undefined, { every: 5 }, { maxAttempts: 0 })).rejects.toThrow(
      InvalidOptionsError,
    );
    await expect(tasks.stats()).resolves.toMatchObject({ pending: 0, active: 0, dead: 0 });
  });

  it('a bad @Recurring fails the bootstrap with a named error naming the method, and writes nothing', async () => {
    @Injectable()
    class BadSeries {
      @Recurring('bad:1', { every: -1 })
      run(): void {}
    }
    const prefix = freshPrefix();
    await expect(startApp({ connection: redis.url, prefix }, [BadSeries])).rejects.toThrow(
      /BadSeries\.run.*"every" must be a positive integer/,
    );
    @Injectable()
    class NamelessSeries {
      @Recurring('', { every: 1_000 })
      run(): void {}
    }
    await expect(startApp({ connection: redis.url, prefix }, [NamelessSeries])).rejects.toThrow(
      /key of NamelessSeries\.run must be a non-empty string/,
    );
    @Injectable()
    class BadZone {
      @Recurring('zoned', { cron: '0 2 * * *', tz: 'Europe/Atlantis' })
      run(): void {}
    }
    await expect(startApp({ connection: redis.url, prefix }, [BadZone])).rejects.toThrow(
      UnknownTimeZoneError,
    );
    app = await startApp({ connection: redis.url, prefix });
    await expect(app.tasks.stats()).resolves.toMatchObject({ pending: 0 });
  });
});

describe('the testing toolkit with a series', () => {
  const MINUTE = 60_000;
  let redis: RedisServer;
  let moduleRef: TestingModule;
  let tasks: DelayTaskService;
  const events: ExpiredKeyEvent[] = [];

  @Injectable()
  class Cleanup {
    @Recurring('cleanup', { every: MINUTE, payload: { scope: 'all' } })
    run(event: ExpiredKeyEvent): void {
      events.push(event);
    }

    @OnKeyExpired('skipper')
    skipper(event: ExpiredKeyEvent): void {
      events.push(event);
    }

    @OnKeyExpired('failing')
    failing(): void {
      throw new Error('broken on purpose');
    }
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
    moduleRef = await Test.createTestingModule({
      imports: [DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix() })],
      providers: [Cleanup],
    }).compile();
    moduleRef.useLogger(new LogCapture());
    await moduleRef.init();
    tasks = moduleRef.get(DelayTaskService);
  });
  afterAll(async () => {
    await moduleRef.close();
    await redis.stop();
  });

  it('@Recurring declares the series at bootstrap; advance(every) runs one occurrence, advance(10 × every) one catch-up', async () => {
    const clock = DelayTaskTesting.attach(moduleRef);
    const declared = await tasks.get('cleanup');
    expect(declared).toMatchObject({
      state: 'pending',
      payload: { scope: 'all' },
      series: { every: MINUTE },
    });

    await clock.advance(MINUTE);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ key: 'cleanup', recurring: true, payload: { scope: 'all' } });
    const next = await tasks.get('cleanup');
    expect(next!.dueAt).toBe(events[0].dueAt! + MINUTE);

    await clock.advance(10 * MINUTE);
    expect(events).toHaveLength(2);
    // The catch-up is due at the latest passed grid time; the series goes on a period later.
    const after = await tasks.get('cleanup');
    expect((after!.dueAt - events[1].dueAt!) % MINUTE).toBe(0);
    expect(after!.dueAt).toBe(events[1].dueAt! + MINUTE);
  });

  it("with missed: 'skip', a long advance runs none and the series goes on ahead", async () => {
    const clock = DelayTaskTesting.attach(moduleRef);
    await tasks.repeat('skipper', undefined, { every: MINUTE }, { missed: 'skip' });
    const pending = await tasks.get('skipper');
    await clock.advance(10 * MINUTE);
    expect(events.filter((event) => event.key === 'skipper')).toHaveLength(0);
    const next = await tasks.get('skipper');
    expect(next!.dueAt).toBeGreaterThan(pending!.dueAt - 10 * MINUTE + 9 * MINUTE);
    expect((next!.dueAt - (pending!.dueAt - 10 * MINUTE)) % MINUTE).toBe(0);
  });

  it('fire() runs the pending occurrence now; the series goes on from its due time', async () => {
    const clock = DelayTaskTesting.attach(moduleRef);
    const pending = await tasks.get('cleanup');
    const before = events.length;
    await expect(clock.fire('cleanup')).resolves.toEqual({ outcome: 'completed' });
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)!.dueAt).toBe(pending!.dueAt);
    await expect(tasks.get('cleanup')).resolves.toMatchObject({ dueAt: pending!.dueAt + MINUTE });
  });

  it("fire() on an occurrence that fails with no retry left before the next: { outcome: 'skipped' }", async () => {
    const clock = DelayTaskTesting.attach(moduleRef);
    const ref = await tasks.repeat('failing', undefined, { every: MINUTE }, { maxAttempts: 1 });
    await expect(clock.fire('failing')).resolves.toEqual({
      outcome: 'skipped',
      error: 'broken on purpose',
    });
    await expect(tasks.get('failing')).resolves.toMatchObject({
      dueAt: ref.dueAt + MINUTE,
      attempt: 0,
    });
    await expect(tasks.deadLetters()).resolves.toMatchObject({ items: [] });
  });
});
