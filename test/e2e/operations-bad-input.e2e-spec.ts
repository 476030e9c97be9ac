/**
 * Bad input to what "Operate it" added: a named error naming where, at
 * bootstrap for decorators and options, at the call for the health check.
 */
import { Injectable } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  DelayTaskError,
  DelayTaskModule,
  InvalidOptionsError,
  InvalidPatternError,
  OnTaskEvent,
  TaskLifecycleEventType,
} from '../../lib';
import { DelayTaskHealthIndicator, DelayTaskHealthOptions } from '../../lib/terminus';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';

type ErrorClass = new (...args: never[]) => DelayTaskError;

/** A provider whose one listener carries `type` and `pattern` exactly as given, valid or not. */
function listenerWith(type: unknown, pattern?: unknown) {
  @Injectable()
  class BadListener {
    @OnTaskEvent(type as TaskLifecycleEventType, pattern as string)
    onEvent(): void {}
  }
  return BadListener;
}

describe('bad input of the operations surface', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis?.stop());
  afterEach(() => restoreConsoleLogger());

  const forRoot = (options: Record<string, unknown> = {}) =>
    DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix(), ...options });

  describe('invalid @OnTaskEvent fails bootstrap, naming Class.method', () => {
    const cases: Array<[string, unknown, unknown, ErrorClass, string]> = [
      [
        'an unknown type',
        'finished',
        undefined,
        InvalidOptionsError,
        `@OnTaskEvent on BadListener.onEvent: the event type must be one of 'scheduled', 'started', ` +
          `'completed', 'failed', 'retrying', 'dead', 'recovered', 'cancelled', 'skipped'; got "finished".`,
      ],
      [
        'a type that is not a string',
        42,
        undefined,
        InvalidOptionsError,
        `@OnTaskEvent on BadListener.onEvent: the event type must be one of 'scheduled', 'started', ` +
          `'completed', 'failed', 'retrying', 'dead', 'recovered', 'cancelled', 'skipped'; got number 42.`,
      ],
      [
        'a pattern that is not a string',
        'dead',
        42,
        InvalidPatternError,
        '@OnTaskEvent on BadListener.onEvent: the pattern, when given, must be a non-empty string; got number 42.',
      ],
      [
        'an empty pattern',
        'dead',
        '',
        InvalidPatternError,
        '@OnTaskEvent on BadListener.onEvent: the pattern, when given, must be a non-empty string; got "".',
      ],
    ];

    it.each(cases)('%s', async (_name, type, pattern, errorClass, message) => {
      const started = bootApp(
        { imports: [forRoot()], providers: [listenerWith(type, pattern)] },
        new LogCapture(),
      );
      await expect(started).rejects.toThrow(errorClass);
      await expect(started).rejects.toThrow(message);
    });

    it('a valid listener boots', async () => {
      const app = await bootApp(
        { imports: [forRoot()], providers: [listenerWith('dead', 'order:*')] },
        new LogCapture(),
      );
      await app.close();
    });
  });

  it.each([0, -5, 1.5, '200', null])(
    'heartbeatIntervalMs %p fails the start with InvalidOptionsError',
    async (heartbeatIntervalMs) => {
      const started = bootApp({ imports: [forRoot({ heartbeatIntervalMs })] }, new LogCapture());
      await expect(started).rejects.toThrow(InvalidOptionsError);
      await expect(started).rejects.toThrow(
        /^DelayTaskModule options: "heartbeatIntervalMs" must be a positive integer, got /,
      );
    },
  );

  describe('isHealthy with bad options throws InvalidOptionsError before asking Redis anything', () => {
    let indicator: DelayTaskHealthIndicator;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const app = await bootApp(
        {
          imports: [forRoot({ keyspaceEvents: false }), TerminusModule.forRoot({ logger: false })],
          providers: [DelayTaskHealthIndicator],
        },
        new LogCapture(),
      );
      indicator = app.get(DelayTaskHealthIndicator);
      close = () => app.close();
    });
    afterAll(async () => close?.());

    const cases: Array<[string, unknown, unknown, string]> = [
      ['an empty key', '', undefined, 'the key must be a non-empty string, got "".'],
      [
        'a key that is not a string',
        7,
        undefined,
        'the key must be a non-empty string, got number 7.',
      ],
      [
        'options that are not an object',
        'delay-task',
        'strict',
        'the options must be an object, got "strict".',
      ],
      [
        'a negative maxOldestOverdueMs',
        'delay-task',
        { maxOldestOverdueMs: -1 },
        '"maxOldestOverdueMs" must be a number of ms, 0 or more, got number -1.',
      ],
      [
        'a maxOldestOverdueMs given as a string',
        'delay-task',
        { maxOldestOverdueMs: '60s' },
        '"maxOldestOverdueMs" must be a number of ms, 0 or more, got "60s".',
      ],
      [
        'a fractional maxDead',
        'delay-task',
        { maxDead: 1.5 },
        '"maxDead" must be an integer, 0 or more, got number 1.5.',
      ],
      [
        'a zero timeout',
        'delay-task',
        { timeout: 0 },
        '"timeout" must be a positive number of ms, got number 0.',
      ],
      [
        'an infinite timeout',
        'delay-task',
        { timeout: Infinity },
        '"timeout" must be a positive number of ms, got number Infinity.',
      ],
    ];

    it.each(cases)('%s', async (_name, key, options, problem) => {
      const call = indicator.isHealthy(key as string, options as DelayTaskHealthOptions);
      await expect(call).rejects.toThrow(InvalidOptionsError);
      await expect(call).rejects.toThrow(`DelayTaskHealthIndicator.isHealthy: ${problem}`);
    });

    it('takes the default key and no options', async () => {
      await expect(indicator.isHealthy()).resolves.toMatchObject({
        'delay-task': { status: 'up' },
      });
    });
  });
});
