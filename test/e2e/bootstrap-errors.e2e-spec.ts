import { Injectable, Scope } from '@nestjs/common';
import IORedis, { RedisOptions } from 'ioredis';
import {
  DelayTaskError,
  DelayTaskModule,
  DelayTaskModuleOptions,
  ExpiredKeyEvent,
  InvalidOptionsError,
  InvalidPatternError,
  OnKeyExpired,
  OnKeyExpiredOptions,
  RedisConnectionError,
} from '../../lib';
import { freePort, RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';

type ErrorClass = new (...args: never[]) => DelayTaskError;

/** A provider whose one handler carries `pattern` and `options` exactly as given, valid or not. */
function handlerWith(pattern: unknown, options?: unknown) {
  @Injectable()
  class BadHandler {
    @OnKeyExpired(pattern as string, options as OnKeyExpiredOptions)
    onExpired(): void {}
  }
  return BadHandler;
}

/** Resolves with what `promise` rejected with, and how long that took; fails if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

/** How long a start against an unreachable Redis may take to give up. */
const GIVE_UP_WITHIN_MS = 15_000;

/**
 * Like `rejection`, but fails once `GIVE_UP_WITHIN_MS` has passed: a start
 * that hangs is the failure under test, and must not look like a jest timeout.
 */
async function rejectionInTime(promise: Promise<unknown>): Promise<{ error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), GIVE_UP_WITHIN_MS);
  });
  try {
    const outcome = await Promise.race([rejection(promise), deadline]);
    if (outcome === 'hung') throw new Error(`still starting after ${GIVE_UP_WITHIN_MS} ms`);
    return outcome;
  } finally {
    clearTimeout(timer);
    // A start still waiting may settle later; that is no longer this test's business.
    promise.catch(() => undefined);
  }
}

/**
 * A bootstrap that cannot work fails loudly and quickly: a named error whose
 * message says where and what, never a hang, never a silently ignored handler.
 */
describe('bootstrap errors', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis?.stop());
  afterEach(() => restoreConsoleLogger());

  const forRoot = (options: Partial<DelayTaskModuleOptions> = {}) =>
    DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix(), ...options });

  describe('invalid @OnKeyExpired', () => {
    const cases: Array<[string, unknown, unknown, ErrorClass, RegExp]> = [
      ['an empty pattern', '', undefined, InvalidPatternError, /non-empty string, got ""/],
      ['a number pattern', 42, undefined, InvalidPatternError, /got number 42/],
      ['an undefined pattern', undefined, undefined, InvalidPatternError, /got undefined/],
      ['an object pattern', { glob: '*' }, undefined, InvalidPatternError, /got an object/],
      [
        'exclusive of the wrong type',
        'ok:*',
        { exclusive: 'yes' },
        InvalidOptionsError,
        /"exclusive" must be a boolean/,
      ],
      ['null options', 'ok:*', null, InvalidOptionsError, /options must be an object/],
      ['array options', 'ok:*', [true], InvalidOptionsError, /options must be an object/],
    ];

    it.each(cases)(
      'fails bootstrap on %s, naming Class.method',
      async (_name, pattern, options, errorClass, message) => {
        const { error } = await rejection(
          bootApp({ imports: [forRoot()], providers: [handlerWith(pattern, options)] }),
        );
        expect(error).toBeInstanceOf(errorClass);
        expect(error).toHaveProperty('name', errorClass.name);
        expect(String((error as Error).message)).toMatch(message);
        expect((error as Error).message).toContain('BadHandler.onExpired');
      },
    );

    it('fails on a bad pattern stacked under a good one', async () => {
      @Injectable()
      class Stacked {
        @OnKeyExpired('good:*')
        @OnKeyExpired('')
        onExpired(): void {}
      }
      const { error } = await rejection(bootApp({ imports: [forRoot()], providers: [Stacked] }));
      expect(error).toBeInstanceOf(InvalidPatternError);
      expect((error as Error).message).toContain('Stacked.onExpired');
    });
  });

  describe('invalid module options', () => {
    const cases: Array<[string, Partial<DelayTaskModuleOptions>, RegExp]> = [
      ['a prefix with a brace', { prefix: 'a{b' }, /"prefix"/],
      ['an empty prefix', { prefix: '' }, /"prefix"/],
      ['a string concurrency', { concurrency: '10' as unknown as number }, /"concurrency"/],
      ['a zero leaseMs', { leaseMs: 0 }, /"leaseMs"/],
      [
        'a non-boolean keyspaceEvents',
        { keyspaceEvents: 'yes' as unknown as boolean },
        /keyspaceEvents/,
      ],
      ['no connection', { connection: undefined }, /"connection"/],
      ['a numeric connection', { connection: 6379 as unknown as string }, /"connection"/],
    ];

    it.each(cases)('fails on %s with InvalidOptionsError', async (_name, options, message) => {
      const { error } = await rejection(bootApp({ imports: [forRoot(options)] }));
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message).toMatch(message);
    });
  });

  describe('unreachable Redis', () => {
    // Nothing listens on a port the kernel just handed out and took back.
    const connections: Array<[string, (port: number) => string | RedisOptions]> = [
      ['a URL', (port) => `redis://127.0.0.1:${port}`],
      ['ioredis options', (port) => ({ host: '127.0.0.1', port })],
    ];

    it.each(connections)(
      'fails init with RedisConnectionError naming the address (%s), without hanging',
      async (_name, connection) => {
        const port = await freePort();
        const { error } = await rejectionInTime(
          bootApp({
            imports: [DelayTaskModule.forRoot({ connection: connection(port) })],
            providers: [collectingHandler('k:*', new EventCollector())],
          }),
        );
        expect(error).toBeInstanceOf(RedisConnectionError);
        expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      },
      GIVE_UP_WITHIN_MS + 5_000,
    );

    it(
      'fails init on an unreachable user-owned client within a bounded time',
      async () => {
        // ioredis' default retry strategy retries forever; the module may not change the
        // user's client, but it must not wait on it forever either.
        const port = await freePort();
        const owned = new IORedis({ host: '127.0.0.1', port, lazyConnect: true });
        owned.on('error', () => undefined);
        try {
          const { error } = await rejectionInTime(
            bootApp({
              imports: [DelayTaskModule.forRoot({ connection: owned })],
              providers: [collectingHandler('k:*', new EventCollector())],
            }),
          );
          expect(error).toBeInstanceOf(RedisConnectionError);
          expect((error as Error).message).toContain(`127.0.0.1:${port}`);
          // Still the user's to close.
          expect(owned.status).not.toBe('end');
        } finally {
          owned.disconnect();
        }
      },
      GIVE_UP_WITHIN_MS + 5_000,
    );

    it('fails init on a closed user-owned client, naming it', async () => {
      const owned = new IORedis(redis.url);
      await owned.quit();
      const { error } = await rejection(
        bootApp({ imports: [DelayTaskModule.forRoot({ connection: owned })] }),
      );
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect((error as Error).message).toContain(`127.0.0.1:${redis.port}`);
    });
  });

  describe('request-scoped handlers', () => {
    const requestScopedCalls: string[] = [];

    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @OnKeyExpired('rs:*')
      onExpired(event: ExpiredKeyEvent): void {
        requestScopedCalls.push(event.key);
      }
    }

    /** Not request-scoped itself, but injects one: Nest makes it request-scoped too. */
    @Injectable()
    class DependsOnPerRequest {
      constructor(readonly perRequest: PerRequest) {}

      @OnKeyExpired('rs:*')
      onExpired(event: ExpiredKeyEvent): void {
        requestScopedCalls.push(event.key);
      }
    }

    it('never runs a transient provider’s handler on an instance Nest did not construct', async () => {
      @Injectable()
      class Dependency {
        readonly value = 42;
      }
      const seenDependency: unknown[] = [];
      @Injectable({ scope: Scope.TRANSIENT })
      class PerInjection {
        constructor(private readonly dependency: Dependency) {}

        @OnKeyExpired('tr:*')
        onExpired(): void {
          seenDependency.push(this.dependency?.value);
        }
      }
      @Injectable()
      class Consumer {
        constructor(readonly perInjection: PerInjection) {}
      }

      const logs = new LogCapture();
      const singleton = new EventCollector();
      const app = await bootApp(
        {
          imports: [forRoot()],
          providers: [Dependency, PerInjection, Consumer, collectingHandler('tr:*', singleton)],
        },
        logs,
      );
      const client = new IORedis(redis.url);
      try {
        await client.set('tr:1', 'x', 'PX', 20);
        await singleton.forKey('tr:1');
        // Either the handler is skipped with a warning, as request-scoped ones are, or it
        // runs on a real instance, its dependencies injected. Never on a bare prototype.
        const warned = logs
          .messages('warn')
          .some((message) => message.includes('PerInjection.onExpired'));
        if (seenDependency.length === 0) expect(warned).toBe(true);
        else expect(seenDependency).toEqual([42]);
      } finally {
        client.disconnect();
        await app.close();
      }
    });

    it('warns, naming each ignored handler, and the app still runs the others', async () => {
      const logs = new LogCapture();
      const singleton = new EventCollector();
      const app = await bootApp(
        {
          imports: [forRoot()],
          providers: [PerRequest, DependsOnPerRequest, collectingHandler('rs:*', singleton)],
        },
        logs,
      );
      const client = new IORedis(redis.url);
      try {
        const warnings = logs.messages('warn');
        expect(warnings).toHaveLength(2);
        expect(warnings).toContainEqual(
          expect.stringMatching(/ on PerRequest\.onExpired .*request-scoped/),
        );
        expect(warnings).toContainEqual(
          expect.stringMatching(/DependsOnPerRequest\.onExpired.*request-scoped/),
        );
        // Matching handlers of one event are called together, so by the time the
        // singleton has it, an ignored handler would have been called too.
        await client.set('rs:1', 'x', 'PX', 20);
        await singleton.forKey('rs:1');
        expect(requestScopedCalls).toEqual([]);
      } finally {
        client.disconnect();
        await app.close();
      }
    });
  });
});
