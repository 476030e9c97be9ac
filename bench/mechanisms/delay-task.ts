/**
 * nestjs-delay-task itself, used the way an application would: a Nest
 * application context importing `DelayTaskModule.forRoot`, a provider with an
 * `@OnKeyExpired` handler, and `DelayTaskService.scheduleMany` to schedule.
 */
import 'reflect-metadata';
import { DynamicModule, Inject, Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DelayTaskModule, DelayTaskService, OnKeyExpired } from '../../lib';
import type { ExpiredKeyEvent } from '../../lib';
import { now } from '../clock';
import { BenchTask, Endpoint, FireListener, Mechanism, taskIndex } from './mechanism';

/** Namespace of the module's own keys on the bench server. */
const PREFIX = 'dt';
const FIRE_LISTENER = Symbol('FIRE_LISTENER');

@Injectable()
class BenchHandler {
  constructor(@Inject(FIRE_LISTENER) private readonly onFire: FireListener) {}

  @OnKeyExpired('bench:*')
  handle(event: ExpiredKeyEvent): void {
    const firedAt = now();
    this.onFire(taskIndex(event.key), firedAt);
  }
}

@Module({})
class BenchAppModule {
  /** Without a listener the app has no handler, so (by the module's contract) it never claims. */
  static register(url: string, concurrency: number, onFire?: FireListener): DynamicModule {
    return {
      module: BenchAppModule,
      imports: [
        DelayTaskModule.forRoot({
          connection: url,
          prefix: PREFIX,
          concurrency,
          keyspaceEvents: false,
        }),
      ],
      providers: onFire ? [{ provide: FIRE_LISTENER, useValue: onFire }, BenchHandler] : [],
    };
  }
}

class DelayTaskEndpoint implements Endpoint {
  private readonly service: DelayTaskService;

  constructor(private readonly app: INestApplicationContext) {
    this.service = app.get(DelayTaskService);
  }

  async schedule(tasks: readonly BenchTask[]): Promise<void> {
    // One call for the whole workload: batching round trips is scheduleMany's job.
    await this.service.scheduleMany(tasks.map((task) => ({ key: task.key, at: task.dueAt })));
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

export class DelayTaskMechanism implements Mechanism {
  readonly id = 'delay-task' as const;
  readonly label = 'nestjs-delay-task';
  readonly needsKeyspaceEvents = false;

  constructor(private readonly concurrency: number) {}

  describeSettings(): string {
    return `\`DelayTaskModule.forRoot({ prefix: '${PREFIX}', concurrency: ${this.concurrency}, keyspaceEvents: false })\`, one \`scheduleMany\` call per workload (no payload), handler \`@OnKeyExpired('bench:*')\``;
  }

  async open(url: string, onFire?: FireListener): Promise<Endpoint> {
    // createApplicationContext initialises the app: by contract the scheduler is armed when it resolves.
    const app = await NestFactory.createApplicationContext(
      BenchAppModule.register(url, this.concurrency, onFire),
      { logger: ['error', 'warn'] },
    );
    return new DelayTaskEndpoint(app);
  }
}
