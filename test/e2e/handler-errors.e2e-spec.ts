import { INestApplicationContext, Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { concat, Observable, of, Subscription, throwError } from 'rxjs';
import { DelayTaskModule, DelayTaskService, ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';
import { waitFor } from '../support/wait-for';

/** Keys each failing handler was called with, by `Class.method`. */
const calls = new Map<string, string[]>();
function called(where: string, event: ExpiredKeyEvent): void {
  calls.set(where, [...(calls.get(where) ?? []), event.key]);
}

@Injectable()
class SyncThrower {
  @OnKeyExpired('fail:*')
  explode(event: ExpiredKeyEvent): void {
    called('SyncThrower.explode', event);
    throw new Error(`sync boom on ${event.key}`);
  }
}

@Injectable()
class Rejecter {
  @OnKeyExpired('fail:*')
  async reject(event: ExpiredKeyEvent): Promise<void> {
    called('Rejecter.reject', event);
    await Promise.resolve();
    throw new Error(`async boom on ${event.key}`);
  }
}

@Injectable()
class ObservableFailer {
  @OnKeyExpired('fail:*')
  stream(event: ExpiredKeyEvent): Observable<number> {
    called('ObservableFailer.stream', event);
    // Emits before failing: the error, not the first value, decides the outcome.
    return concat(
      of(1),
      throwError(() => new Error(`observable boom on ${event.key}`)),
    );
  }
}

@Injectable()
class NonErrorThrower {
  @OnKeyExpired('fail:*')
  throwsString(event: ExpiredKeyEvent): void {
    called('NonErrorThrower.throwsString', event);
    // Not an Error: the log must still say what was thrown.
    throw `plain string on ${event.key}`;
  }
}

const FAILING: Array<[where: string, message: string]> = [
  ['SyncThrower.explode', 'sync boom'],
  ['Rejecter.reject', 'async boom'],
  ['ObservableFailer.stream', 'observable boom'],
  ['NonErrorThrower.throwsString', 'plain string'],
];

/**
 * A handler that fails — by throwing, rejecting or erroring its Observable —
 * is logged with its class, method and the key, and nothing else notices:
 * the stream and the other handlers keep receiving later events.
 */
describe('handler errors', () => {
  let redis: RedisServer;
  let client: IORedis;
  let app: INestApplicationContext;
  let tasks: DelayTaskService;
  const logs = new LogCapture();
  const healthy = new EventCollector();
  const everything = new EventCollector();
  const failKeys = new EventCollector();
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new IORedis(redis.url);
    app = await bootApp(
      {
        imports: [DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix() })],
        providers: [
          SyncThrower,
          Rejecter,
          ObservableFailer,
          NonErrorThrower,
          collectingHandler('fail:*', healthy),
        ],
      },
      logs,
    );
    tasks = app.get(DelayTaskService);
    subscriptions.push(tasks.expired$.subscribe((event) => everything.push(event)));
    subscriptions.push(tasks.on('fail:*').subscribe((event) => failKeys.push(event)));
  });

  afterAll(async () => {
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    await app?.close();
    client?.disconnect();
    await redis?.stop();
    restoreConsoleLogger();
  });

  /** Error lines the module logged about `key`. */
  const errorsFor = (key: string) =>
    logs.messages('error').filter((message) => message.includes(`"${key}"`));

  async function expireAndExpectFailuresLogged(key: string): Promise<void> {
    await client.set(key, 'x', 'PX', 20);
    await healthy.forKey(key);
    await waitFor(() => errorsFor(key).length >= FAILING.length, 5_000, `errors for ${key}`);
    const lines = errorsFor(key);
    expect(lines).toHaveLength(FAILING.length);
    for (const [where, message] of FAILING) {
      expect(lines).toContainEqual(expect.stringContaining(where));
      const line = lines.find((l) => l.includes(where));
      expect(line).toContain(`${message} on ${key}`);
      expect(calls.get(where)).toContain(key);
    }
  }

  it('logs each failure with class, method and key', async () => {
    await expireAndExpectFailuresLogged('fail:1');
  });

  it('keeps the stream, the pattern stream and every handler receiving later events', async () => {
    const keys = ['fail:2', 'fail:3', 'fail:4'];
    const ofThisTest = (seen: string[] | undefined) => (seen ?? []).filter((k) => keys.includes(k));
    for (const key of keys) await expireAndExpectFailuresLogged(key);
    expect(subscriptions.every((subscription) => !subscription.closed)).toBe(true);
    for (const collector of [everything, failKeys, healthy]) {
      expect(ofThisTest(collector.events.map((e) => e.key))).toEqual(keys);
    }
    // Failing handlers are not unsubscribed either: each ran for every event.
    for (const [where] of FAILING) {
      expect(ofThisTest(calls.get(where))).toEqual(keys);
    }
  });

  it('logs the failures of a scheduled task the same way, and keeps going', async () => {
    await tasks.schedule('fail:task', null, { delay: 0, maxAttempts: 1 });
    await healthy.forKey('fail:task');
    await waitFor(() => errorsFor('fail:task').length >= FAILING.length, 5_000, 'task errors');
    for (const [where] of FAILING) {
      expect(errorsFor('fail:task')).toContainEqual(expect.stringContaining(where));
    }
    await expireAndExpectFailuresLogged('fail:after-task');
    expect(everything.events.map((e) => e.key)).toContain('fail:after-task');
  });
});
