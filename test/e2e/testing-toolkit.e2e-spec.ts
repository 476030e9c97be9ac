/**
 * nestjs-delay-task/testing: a throwaway Redis and a clock that drives the
 * real module (its scripts, claims, retries and acknowledgements) without
 * waiting for due times, under @nestjs/testing as users write their tests.
 */
import { Injectable } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import {
  DelayTaskModule,
  DelayTaskService,
  ExpiredKeyEvent,
  InvalidDelayError,
  InvalidOptionsError,
  OnKeyExpired,
} from '../../lib';
import {
  DelayTaskTestClock,
  DelayTaskTesting,
  RedisServerNotFoundError,
  startTestRedis,
  TestRedis,
} from '../../lib/testing';
import { freshPrefix } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';

const HOUR = 3_600_000;

@Injectable()
class Handlers {
  readonly events: ExpiredKeyEvent[] = [];
  /** Keys whose handler throws until it has run this many times. */
  readonly failuresLeft = new Map<string, number>();
  constructor(private readonly tasks: DelayTaskService) {}

  @OnKeyExpired('job:*')
  @OnKeyExpired('session:*')
  handle(event: ExpiredKeyEvent): void {
    this.events.push(event);
    const left = this.failuresLeft.get(event.key) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(event.key, left - 1);
      throw new Error(`not yet (${left})`);
    }
  }

  /** Feeds itself once more, due at once, like the sample's auto-feed card. */
  @OnKeyExpired('feed:*')
  async feed(event: ExpiredKeyEvent<{ refills: number }>): Promise<void> {
    this.events.push(event);
    const { refills } = event.payload!;
    if (refills > 0) await this.tasks.schedule(event.key, { refills: refills - 1 }, { delay: 0 });
  }
}

describe('the testing toolkit', () => {
  let redis: TestRedis;
  let app: TestingModule;
  let tasks: DelayTaskService;
  let handlers: Handlers;
  let clock: DelayTaskTestClock;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await Test.createTestingModule({
      imports: [
        DelayTaskModule.forRoot({
          connection: redis.url,
          prefix: freshPrefix(),
          maxAttempts: 2,
          backoff: { type: 'fixed', delay: HOUR },
        }),
      ],
      providers: [Handlers],
    }).compile();
    app.useLogger(logs);
    await app.init();
    tasks = app.get(DelayTaskService);
    handlers = app.get(Handlers);
    clock = DelayTaskTesting.attach(app);
  });

  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  beforeEach(() => {
    handlers.events.length = 0;
    logs.entries.length = 0;
  });

  it('advance runs what falls due, and only that; the moved due times are never early', async () => {
    const soon = await tasks.schedule('job:soon', 1, { delay: HOUR });
    await tasks.schedule('job:later', 2, { delay: 3 * HOUR });
    await clock.advance(HOUR);
    expect(handlers.events.map((e) => e.key)).toEqual(['job:soon']);
    const [event] = handlers.events;
    expect(event.dueAt).toBe(soon.dueAt - HOUR);
    expect(event.firedAt).toBeGreaterThanOrEqual(event.dueAt!);
    await expect(tasks.get('job:soon')).resolves.toBeNull(); // acknowledged: settled means settled
    await expect(tasks.get('job:later')).resolves.toMatchObject({ state: 'pending' });
    await clock.advance(2 * HOUR);
    expect(handlers.events.map((e) => e.key)).toEqual(['job:soon', 'job:later']);
  });

  it('advance follows tasks that handlers schedule due at once', async () => {
    await tasks.schedule('feed:rex', { refills: 3 }, { delay: 4 * HOUR });
    await clock.advance(4 * HOUR);
    expect(handlers.events.map((e) => (e.payload as { refills: number }).refills)).toEqual([
      3, 2, 1, 0,
    ]);
  });

  it('fire runs one task now and says how it went: failed (retry pending), then dead', async () => {
    handlers.failuresLeft.set('job:flaky', 5);
    const { dueAt } = await tasks.schedule('job:flaky', null, { delay: 10 * HOUR });
    await expect(clock.fire('job:flaky')).resolves.toEqual({
      outcome: 'failed',
      error: 'not yet (5)',
    });
    // The retry waits for its backoff (an hour), as it would in production.
    await expect(tasks.get('job:flaky')).resolves.toMatchObject({ state: 'pending', attempt: 1 });
    await expect(clock.fire('job:flaky')).resolves.toEqual({
      outcome: 'dead',
      error: 'not yet (4)',
    });
    expect(handlers.events.map((e) => [e.attempt, e.dueAt])).toEqual([
      [1, dueAt],
      [2, dueAt],
    ]);
    expect(logs.messages('error')).toHaveLength(2);

    await tasks.schedule('job:fine', null, { delay: 10 * HOUR });
    await expect(clock.fire('job:fine')).resolves.toEqual({ outcome: 'completed' });
  });

  it('expire routes a plain expired key through the handlers', async () => {
    await clock.expire('session:7');
    expect(handlers.events).toEqual([
      expect.objectContaining({ key: 'session:7', scheduled: false, source: 'keyspace' }),
    ]);
  });

  it('refuses what it cannot do with named errors', async () => {
    await expect(clock.advance(-1)).rejects.toBeInstanceOf(InvalidDelayError);
    await expect(clock.advance(Number.NaN)).rejects.toBeInstanceOf(InvalidDelayError);
    await expect(clock.fire('job:none')).rejects.toBeInstanceOf(InvalidOptionsError);
    await tasks.schedule('nobody:1', null, { delay: HOUR });
    await expect(clock.fire('nobody:1')).rejects.toThrow(/no @OnKeyExpired handler/);
    expect(() => DelayTaskTesting.attach(null as never)).toThrow(InvalidOptionsError);
    const missing = startTestRedis({ binary: 'no-such-redis-server' });
    await expect(missing).rejects.toBeInstanceOf(RedisServerNotFoundError);
    await expect(missing).rejects.toThrow(/apt-get install redis-server/);
  });
});
