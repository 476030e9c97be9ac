/**
 * `DelayTaskHealthIndicator` (nestjs-delay-task/terminus) through a real
 * Terminus `HealthCheckService`: up, and down for each cause, with details
 * saying which.
 */
import { INestApplicationContext, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import IORedis from 'ioredis';
import { DelayTaskModule, DelayTaskService, OnKeyExpired } from '../../lib';
import { DelayTaskHealthIndicator, DelayTaskHealthOptions } from '../../lib/terminus';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';
import { waitFor } from '../support/wait-for';

@Injectable()
class AlwaysFails {
  @OnKeyExpired('fail:*')
  handle(): never {
    throw new Error('always fails');
  }
}

interface HealthApp {
  app: INestApplicationContext;
  tasks: DelayTaskService;
  logs: LogCapture;
  /** The Terminus result, whether up (200) or down (503). */
  check(options?: DelayTaskHealthOptions): Promise<HealthCheckResult>;
}

async function startHealthApp(redis: RedisServer): Promise<HealthApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix(), maxAttempts: 1 }),
      TerminusModule.forRoot({ logger: false }),
    ],
    providers: [DelayTaskHealthIndicator, AlwaysFails],
  }).compile();
  const logs = new LogCapture();
  moduleRef.useLogger(logs);
  const app = await moduleRef.init();
  const health = app.get(HealthCheckService);
  const indicator = app.get(DelayTaskHealthIndicator);
  return {
    app,
    tasks: app.get(DelayTaskService),
    logs,
    check: async (options) => {
      try {
        return await health.check([() => indicator.isHealthy('delay-task', options)]);
      } catch (error) {
        if (!(error instanceof ServiceUnavailableException)) throw error;
        return error.getResponse() as HealthCheckResult;
      }
    },
  };
}

const UP = {
  status: 'up',
  redis: 'up',
  keyspaceSubscriber: 'connected',
  keyspaceFlags: 'ok',
  oldestOverdueMs: 0,
  dead: 0,
};

describe('DelayTaskHealthIndicator', () => {
  let redis: RedisServer;
  let admin: IORedis;
  let fixture: HealthApp;
  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new IORedis(redis.url);
    fixture = await startHealthApp(redis);
  });
  afterAll(async () => {
    await fixture?.app.close();
    admin?.disconnect();
    await redis?.stop();
  });

  /** Polls the health check until `test` holds on its result; the last one seen on failure. */
  async function healthUntil(
    test: (result: HealthCheckResult) => boolean,
    options?: DelayTaskHealthOptions,
    timeoutMs = 5_000,
  ): Promise<HealthCheckResult> {
    let last: HealthCheckResult | undefined;
    await waitFor(
      async () => test((last = await fixture.check(options))),
      timeoutMs,
      'the health result',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last: ${JSON.stringify(last)}`);
    });
    return last!;
  }

  it('is up with every check passing, and reports what it looked at', async () => {
    await expect(fixture.check({ maxOldestOverdueMs: 1_000, maxDead: 0 })).resolves.toEqual({
      status: 'ok',
      info: { 'delay-task': UP },
      error: {},
      details: { 'delay-task': UP },
    });
  });

  it('is down while the keyspace subscriber is disconnected (CLIENT KILL TYPE pubsub), up once it is back', async () => {
    await admin.client('KILL', 'TYPE', 'pubsub');
    const down = await healthUntil((r) => r.status === 'error', undefined, 2_000);
    expect(down.details['delay-task']).toMatchObject({
      status: 'down',
      redis: 'up',
      keyspaceSubscriber: 'disconnected',
      problems: [expect.stringMatching(/^the keyspace subscriber is disconnected/)],
    });
    await healthUntil((r) => r.status === 'ok');
  });

  it('is down when notify-keyspace-events lost its flags (CONFIG SET ""), naming the server and what is missing', async () => {
    await admin.config('SET', 'notify-keyspace-events', '');
    try {
      const down = await fixture.check();
      expect(down.status).toBe('error');
      expect(down.details['delay-task']).toMatchObject({
        status: 'down',
        keyspaceFlags: 'missing',
        problems: [
          `notify-keyspace-events on ${redis.url} is "", missing "Ex": Redis publishes no ` +
            `expired events (plain expired keys are not delivered; scheduled tasks still run)`,
        ],
      });
    } finally {
      await admin.config('SET', 'notify-keyspace-events', 'Ex');
    }
    await expect(fixture.check()).resolves.toMatchObject({ status: 'ok' });
  });

  it('is down when a task has been overdue longer than maxOldestOverdueMs', async () => {
    await fixture.tasks.schedule('nobody-handles:1', null, { delay: 0 });
    const down = await healthUntil((r) => r.status === 'error', { maxOldestOverdueMs: 200 });
    expect(down.details['delay-task']).toMatchObject({
      status: 'down',
      oldestOverdueMs: expect.any(Number),
      problems: [
        expect.stringMatching(
          /^a task has been overdue for \d+ ms \(more than maxOldestOverdueMs 200\)/,
        ),
      ],
    });
    expect(down.details['delay-task'].oldestOverdueMs).toBeGreaterThan(200);
    // Without the threshold the age is reported, and is no cause for down.
    await expect(fixture.check()).resolves.toMatchObject({ status: 'ok' });
    await fixture.tasks.cancel('nobody-handles:1');
    await expect(fixture.check({ maxOldestOverdueMs: 200 })).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is down with more dead letters than maxDead', async () => {
    await fixture.tasks.scheduleMany([
      { key: 'fail:1', payload: null, delay: 0 },
      { key: 'fail:2', payload: null, delay: 0 },
    ]);
    await waitFor(async () => (await fixture.tasks.stats()).dead === 2, 5_000, 'two dead letters');
    const down = await fixture.check({ maxDead: 1 });
    expect(down.details['delay-task']).toMatchObject({
      status: 'down',
      dead: 2,
      problems: ['2 dead letter(s), more than maxDead 1'],
    });
    await expect(fixture.check({ maxDead: 2 })).resolves.toMatchObject({ status: 'ok' });
    expect(fixture.logs.messages('error')).toEqual([
      expect.stringMatching(
        /^Handler AlwaysFails\.handle failed for key "fail:[12]": always fails/,
      ),
      expect.stringMatching(
        /^Handler AlwaysFails\.handle failed for key "fail:[12]": always fails/,
      ),
    ]);
  });

  it('is down while Redis does not answer, and up again once it is back', async () => {
    // A server of its own: this one is stopped.
    const stopping = await RedisServer.start();
    const own = await startHealthApp(stopping);
    try {
      await expect(own.check()).resolves.toMatchObject({ status: 'ok' });
      await stopping.kill();
      // The command connection may answer "down" before the subscriber has seen its socket close.
      let down: Awaited<ReturnType<typeof own.check>> | undefined;
      await waitFor(
        async () => {
          down = await own.check();
          return down.details['delay-task'].keyspaceSubscriber === 'disconnected';
        },
        10_000,
        'the subscriber to see Redis gone',
      );
      expect(down?.details['delay-task']).toEqual({
        status: 'down',
        redis: 'down',
        keyspaceSubscriber: 'disconnected',
        keyspaceFlags: 'unknown',
        problems: [
          // Which, depends on whether ioredis has noticed the closed socket yet.
          expect.stringMatching(
            /^(the Redis connection is (reconnecting|connecting|close)|Redis at \S+ did not answer PING: .+)$/,
          ),
          expect.stringMatching(/^the keyspace subscriber is disconnected/),
        ],
      });
      await stopping.revive();
      await waitFor(async () => (await own.check()).status === 'ok', 10_000, 'up again');
    } finally {
      await own.app.close();
      await stopping.stop();
    }
  });
});
