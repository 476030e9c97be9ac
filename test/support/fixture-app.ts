import {
  INestApplicationContext,
  Injectable,
  ModuleMetadata,
  Provider,
  Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import {
  DelayTaskModule,
  DelayTaskModuleOptions,
  DelayTaskService,
  ExpiredKeyEvent,
  OnKeyExpired,
} from '../../lib';
import { LogCapture } from './log-capture';

/** A fresh key prefix per test, so tests sharing a Redis never see each other's tasks. */
export function freshPrefix(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

export interface FixtureApp {
  app: INestApplicationContext;
  tasks: DelayTaskService;
  /**
   * What was logged since this app started, instead of printed: a test that
   * provokes errors asserts on them here. NOTE: Nest's logger is process-wide,
   * so this holds every app's lines until another app installs its own.
   */
  logs: LogCapture;
  close(): Promise<void>;
}

/** Boots a Nest application context with DelayTaskModule and the given providers, as a user's app would. */
export async function startApp(
  options: DelayTaskModuleOptions,
  providers: Provider[] = [],
  imports: ModuleMetadata['imports'] = [],
): Promise<FixtureApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [DelayTaskModule.forRoot(options), ...(imports ?? [])],
    providers,
  }).compile();
  const logs = new LogCapture();
  moduleRef.useLogger(logs);
  const app = await moduleRef.init();
  return { app, tasks: app.get(DelayTaskService), logs, close: () => app.close() };
}

/**
 * Collects the events a handler class receives, and lets a test await the
 * n-th one, or one matching a predicate, with a deadline.
 */
export class EventCollector<T = unknown> {
  readonly events: ExpiredKeyEvent<T>[] = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  push(event: ExpiredKeyEvent<T>): void {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `test` holds on the collected events; rejects after `timeoutMs`. */
  until(
    test: (events: ExpiredKeyEvent<T>[]) => boolean,
    timeoutMs = 15_000,
    what = 'events',
  ): Promise<void> {
    if (test(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; got ${this.events.length}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        test: () => test(this.events),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until((events) => events.length >= n, timeoutMs, `${n} events`);
  }

  forKey(key: string, timeoutMs?: number): Promise<ExpiredKeyEvent<T>> {
    return this.until((events) => events.some((e) => e.key === key), timeoutMs, `key ${key}`).then(
      () => this.events.find((e) => e.key === key) as ExpiredKeyEvent<T>,
    );
  }
}

/** A provider class with one `@OnKeyExpired(pattern)` handler that records into `collector`. */
export function collectingHandler<T = unknown>(
  pattern: string,
  collector: EventCollector<T>,
  behaviour: (event: ExpiredKeyEvent<T>) => unknown = () => undefined,
  options: { exclusive?: boolean } = {},
): Type<unknown> {
  @Injectable()
  class CollectingHandler {
    @OnKeyExpired(pattern, options)
    handle(event: ExpiredKeyEvent<T>): unknown {
      collector.push(event);
      return behaviour(event);
    }
  }
  return CollectingHandler;
}
