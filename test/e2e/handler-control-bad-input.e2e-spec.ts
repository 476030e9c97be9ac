/**
 * Bad input to the handler-control options: a named error at bootstrap (the
 * decorator's `concurrency` / `timeoutMs`) or at the call (`ifPending`,
 * `cancel`'s options), and nothing written.
 */
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import {
  DelayTaskModule,
  InvalidOptionsError,
  OnKeyExpired,
  OnKeyExpiredOptions,
  ScheduleOptions,
} from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { EMPTY_STATS } from '../support/empty-store';
import { FixtureApp, freshPrefix, startApp } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';

function handlerWith(options: unknown) {
  @Injectable()
  class LimitedHandler {
    @OnKeyExpired('job:*', options as OnKeyExpiredOptions)
    onExpired(): void {}
  }
  return LimitedHandler;
}

describe('handler control: bad input', () => {
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

  describe('at bootstrap', () => {
    it.each<[string, unknown, string]>([
      ['concurrency 0', { concurrency: 0 }, '"concurrency" must be an integer from 1 to'],
      ['concurrency -2', { concurrency: -2 }, 'got number -2'],
      ['concurrency 1.5', { concurrency: 1.5 }, 'got number 1.5'],
      ['concurrency "4"', { concurrency: '4' }, 'got "4"'],
      ['concurrency NaN', { concurrency: NaN }, 'got number NaN'],
      ['timeoutMs 0', { timeoutMs: 0 }, '"timeoutMs" must be an integer from 1 to 2147483647'],
      ['timeoutMs 2.5', { timeoutMs: 2.5 }, 'got number 2.5'],
      ['timeoutMs Infinity', { timeoutMs: Infinity }, 'got number Infinity'],
      ['timeoutMs past the timer range', { timeoutMs: 2 ** 31 }, 'got number 2147483648'],
    ])(
      '%s fails bootstrap with InvalidOptionsError, naming Class.method',
      async (_, options, message) => {
        const prefix = freshPrefix();
        const logs = new LogCapture();
        const failed = bootApp(
          {
            imports: [DelayTaskModule.forRoot({ connection: redis.url, prefix })],
            providers: [handlerWith(options)],
          },
          logs,
        );
        await expect(failed).rejects.toThrow(InvalidOptionsError);
        const error = (await failed.catch((e: unknown) => e)) as Error;
        expect(error.name).toBe('InvalidOptionsError');
        expect(error.message).toContain('@OnKeyExpired on LimitedHandler.onExpired:');
        expect(error.message).toContain(message);
        await expect(admin.keys(`${prefix}:*`)).resolves.toEqual([]);
      },
    );
  });

  describe('at the call', () => {
    let app: FixtureApp;
    beforeAll(async () => {
      app = await startApp({ connection: redis.url, prefix: freshPrefix(), keyspaceEvents: false });
    });
    afterAll(async () => app.close());

    it.each<[unknown, string]>([
      ['sooner', '"sooner"'],
      ['Keep', '"Keep"'],
      [1, 'number 1'],
      [null, 'null'],
      [{}, 'an object'],
    ])(
      'schedule with ifPending %p throws InvalidOptionsError and writes nothing',
      async (ifPending, described) => {
        const options = { delay: 1_000, ifPending } as unknown as ScheduleOptions;
        await expect(app.tasks.schedule('job:1', 'x', options)).rejects.toThrow(
          new InvalidOptionsError(
            `Task "job:1": "ifPending" must be one of 'replace', 'keep', 'earlier', 'later'; got ${described}.`,
          ),
        );
        await expect(app.tasks.stats()).resolves.toEqual(EMPTY_STATS);
      },
    );

    it('scheduleMany with one bad ifPending writes none of the batch', async () => {
      await expect(
        app.tasks.scheduleMany([
          { key: 'job:1', delay: 1_000, ifPending: 'keep' },
          { key: 'job:2', delay: 1_000, ifPending: 'never' as 'keep' },
        ]),
      ).rejects.toThrow(InvalidOptionsError);
      await expect(app.tasks.stats()).resolves.toEqual(EMPTY_STATS);
    });

    it.each<[string, unknown]>([
      ['a string', 'abort'],
      ['null', null],
      ['a non-boolean abort', { abort: 'yes' }],
    ])(
      'cancel with %s as options throws InvalidOptionsError and cancels nothing',
      async (_, options) => {
        await app.tasks.schedule('job:3', undefined, { delay: 60_000 });
        await expect(app.tasks.cancel('job:3', options as { abort?: boolean })).rejects.toThrow(
          InvalidOptionsError,
        );
        await expect(app.tasks.get('job:3')).resolves.toMatchObject({ state: 'pending' });
        await app.tasks.cancel('job:3');
      },
    );
  });
});
