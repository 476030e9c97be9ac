/**
 * Lifecycle events: what this instance did to a task, in order, through
 * `@OnTaskEvent` listeners and `tasks.events$`. A listener observes; what it
 * throws never changes the task's outcome.
 */
import { Injectable } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired, OnTaskEvent, TaskLifecycleEvent } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { EventCollector, FixtureApp, freshPrefix, startApp } from '../support/fixture-app';
import { LifecycleRecorder, recordingListener } from '../support/lifecycle-recorder';
import { ProcessSuite } from '../support/process-suite';
import { isHandled, WorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait-for';

/** A handler of `pay:*` that fails the first `failures` deliveries of each key. */
function flakyPayments(failures: number, collector: EventCollector) {
  @Injectable()
  class Payments {
    @OnKeyExpired('pay:*')
    charge(event: ExpiredKeyEvent) {
      collector.push(event);
      if (event.attempt <= failures) throw new Error(`card declined (attempt ${event.attempt})`);
    }
  }
  return Payments;
}

describe('lifecycle events', () => {
  let redis: RedisServer;
  let fixture: FixtureApp | undefined;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  const start = (providers: Parameters<typeof startApp>[1], maxAttempts = 3) =>
    startApp(
      {
        connection: redis.url,
        prefix: freshPrefix(),
        keyspaceEvents: false,
        maxAttempts,
        backoff: { type: 'fixed', delay: 50 },
      },
      providers,
    );

  it('a task that fails twice then succeeds: scheduled, started, failed, retrying (twice), started, completed', async () => {
    const recorder = new LifecycleRecorder();
    fixture = await start([flakyPayments(2, new EventCollector()), recordingListener(recorder)]);
    const streamed: TaskLifecycleEvent[] = [];
    const subscription = fixture.tasks.events$.subscribe((event) => streamed.push(event));

    const before = Date.now();
    // Not due at once: a task due now may start before schedule() has returned (see TaskLifecycleEventType).
    const { dueAt } = await fixture.tasks.schedule('pay:1', { amount: 5 }, { delay: 20 });
    await recorder.next('completed', 'pay:1');
    subscription.unsubscribe();

    const events = recorder.of('pay:1');
    expect(events.map((e) => [e.type, e.attempt])).toEqual([
      ['scheduled', 0],
      ['started', 1],
      ['failed', 1],
      ['retrying', 1],
      ['started', 2],
      ['failed', 2],
      ['retrying', 2],
      ['started', 3],
      ['completed', 3],
    ]);
    expect(events[0]).toEqual({
      type: 'scheduled',
      key: 'pay:1',
      attempt: 0,
      at: expect.any(Number),
      dueAt,
    });
    for (const event of events.slice(1)) {
      expect(event).toMatchObject({ key: 'pay:1', pattern: 'pay:*', dueAt });
    }
    expect(events.filter((e) => e.type === 'failed').map((e) => e.error)).toEqual([
      'card declined (attempt 1)',
      'card declined (attempt 2)',
    ]);
    expect(events.filter((e) => e.error !== undefined).map((e) => e.type)).toEqual([
      'failed',
      'failed',
    ]);
    // On Redis' clock, in order, around now (both clocks are this machine's).
    const at = events.map((e) => e.at);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(at[0]).toBeGreaterThanOrEqual(before - 50);
    expect(at.at(-1)).toBeLessThanOrEqual(Date.now() + 50);
    // events$ carries the same events, in the same order.
    expect(streamed).toEqual(recorder.events);
    // The failures the test provoked were logged as handler failures, nothing else.
    expect(fixture.logs.messages('error')).toEqual([
      expect.stringMatching(
        /^Handler Payments\.charge failed for key "pay:1": card declined \(attempt 1\)/,
      ),
      expect.stringMatching(
        /^Handler Payments\.charge failed for key "pay:1": card declined \(attempt 2\)/,
      ),
    ]);
  });

  it('dead: the last attempt fails, with its error and the failing handler’s pattern', async () => {
    const recorder = new LifecycleRecorder();
    fixture = await start([flakyPayments(9, new EventCollector()), recordingListener(recorder)], 1);
    await fixture.tasks.schedule('pay:2', null, { delay: 20 });
    const dead = await recorder.next('dead', 'pay:2');

    expect(recorder.of('pay:2').map((e) => e.type)).toEqual([
      'scheduled',
      'started',
      'failed',
      'dead',
    ]);
    expect(dead).toMatchObject({
      attempt: 1,
      pattern: 'pay:*',
      error: 'card declined (attempt 1)',
    });
    await waitFor(async () => (await fixture!.tasks.deadLetters()).items.length === 1);
  });

  it('scheduled once per task of scheduleMany, cancelled only when cancel removed one', async () => {
    const recorder = new LifecycleRecorder();
    fixture = await start([recordingListener(recorder)]);
    const refs = await fixture.tasks.scheduleMany([
      { key: 'later:1', payload: 1, delay: 60_000 },
      { key: 'later:2', payload: 2, delay: 60_000 },
      { key: 'later:1', payload: 3, delay: 90_000 },
    ]);
    expect(recorder.events).toEqual(
      refs.map(({ key, dueAt }) => ({
        type: 'scheduled',
        key,
        attempt: 0,
        dueAt,
        at: expect.any(Number),
      })),
    );

    await expect(fixture.tasks.cancel('later:1')).resolves.toBe(true);
    await expect(fixture.tasks.cancel('later:1')).resolves.toBe(false);
    await expect(fixture.tasks.cancel('never:1')).resolves.toBe(false);
    expect(recorder.events.slice(2)).toEqual([
      { type: 'cancelled', key: 'later:1', attempt: 0, at: expect.any(Number) },
    ]);
  });

  it('a listener’s pattern filters by task key, with Redis glob semantics', async () => {
    const vip = new LifecycleRecorder();
    fixture = await start([recordingListener(vip, 'pay:vip-[0-9]')]);
    await fixture.tasks.schedule('pay:vip-7', null, { delay: 60_000 });
    await fixture.tasks.schedule('pay:vip-77', null, { delay: 60_000 });
    await fixture.tasks.schedule('pay:7', null, { delay: 60_000 });
    expect(vip.events.map((e) => e.key)).toEqual(['pay:vip-7']);
  });

  it('a listener that throws or rejects is logged; the task still completes and other listeners still hear', async () => {
    const recorder = new LifecycleRecorder();
    const handled = new EventCollector();

    @Injectable()
    class BrokenListeners {
      @OnTaskEvent('started')
      explode(event: TaskLifecycleEvent): void {
        throw new Error(`boom on ${event.key}`);
      }

      @OnTaskEvent('completed', 'pay:*')
      async reject(event: TaskLifecycleEvent): Promise<void> {
        throw new Error(`async boom on ${event.key}`);
      }
    }

    fixture = await start([
      flakyPayments(0, handled),
      BrokenListeners,
      recordingListener(recorder),
    ]);
    await fixture.tasks.schedule('pay:3', null, { delay: 20 });
    await recorder.next('completed', 'pay:3');
    await waitFor(async () => (await fixture!.tasks.get('pay:3')) === null, 5_000, 'acknowledged');

    expect(handled.events.map((e) => e.attempt)).toEqual([1]);
    expect(recorder.of('pay:3').map((e) => e.type)).toEqual(['scheduled', 'started', 'completed']);
    await waitFor(
      () => fixture!.logs.messages('error').length === 2,
      5_000,
      'both failures logged',
    );
    expect(fixture.logs.messages('error')).toEqual([
      'Task event listener BrokenListeners.explode failed on "started" of "pay:3" (the task is not affected): boom on pay:3',
      'Task event listener BrokenListeners.reject failed on "completed" of "pay:3" (the task is not affected): async boom on pay:3',
    ]);
    await expect(fixture.tasks.stats()).resolves.toMatchObject({ pending: 0, active: 0, dead: 0 });
  });
});

describe('lifecycle events of a lease takeover', () => {
  const suite = ProcessSuite.use();
  const LEASE_MS = 1_000;

  it('recovered, then started, on the instance that takes over from one killed mid-handler', async () => {
    const prefix = freshPrefix();
    const webTier = await suite.webTier(prefix);
    const doomed = suite.keep(
      await WorkerProcess.start({
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'pay:*',
        mode: 'hang',
        options: { leaseMs: LEASE_MS },
      }),
    );
    const { dueAt } = await webTier.tasks.schedule('pay:9', null, { delay: 0 });
    await doomed.waitFor(isHandled, 10_000, 'the first delivery');

    // Started only now, so that the doomed worker is the one that claimed.
    const recorder = new LifecycleRecorder();
    await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false, leaseMs: LEASE_MS }, [
        flakyPayments(0, new EventCollector()),
        recordingListener(recorder),
      ]),
    );
    await doomed.kill();
    await recorder.next('completed', 'pay:9', LEASE_MS + 10_000);

    expect(recorder.of('pay:9').map((e) => [e.type, e.attempt])).toEqual([
      ['recovered', 2],
      ['started', 2],
      ['completed', 2],
    ]);
    expect(recorder.of('pay:9')[0]).toMatchObject({ pattern: 'pay:*', dueAt });
  });
});
