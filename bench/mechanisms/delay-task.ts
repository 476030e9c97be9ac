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
import { now, sleep } from '../clock';
import {
  BenchTask,
  ConsumerTuning,
  Endpoint,
  FireListener,
  Mechanism,
  taskIndex,
} from './mechanism';

/** Namespace of the module's own keys on the bench server. */
const PREFIX = 'dt';
const BENCH_CONSUMER = Symbol('BENCH_CONSUMER');

/** What the handler does on every run: report it, then take `handlerMs` to finish. */
interface BenchConsumer {
  onFire: FireListener;
  handlerMs: number;
}

@Injectable()
class BenchHandler {
  constructor(@Inject(BENCH_CONSUMER) private readonly consumer: BenchConsumer) {}

  @OnKeyExpired('bench:*')
  handle(event: ExpiredKeyEvent): Promise<void> | void {
    const firedAt = now();
    this.consumer.onFire(taskIndex(event.key), firedAt);
    // NOTE: an instant handler stays synchronous, as in every other workload;
    // a slow one keeps its task in flight, its lease renewed, until it resolves.
    if (this.consumer.handlerMs > 0) return sleep(this.consumer.handlerMs);
  }
}

@Module({})
class BenchAppModule {
  /** Without a consumer the app has no handler, so (by the module's contract) it never claims. */
  static register(
    url: string,
    concurrency: number,
    consumer?: BenchConsumer,
    leaseMs?: number,
  ): DynamicModule {
    return {
      module: BenchAppModule,
      imports: [
        DelayTaskModule.forRoot({
          connection: url,
          prefix: PREFIX,
          concurrency,
          keyspaceEvents: false,
          // Left out, the module's own default applies.
          ...(leaseMs !== undefined && { leaseMs }),
        }),
      ],
      providers: consumer ? [{ provide: BENCH_CONSUMER, useValue: consumer }, BenchHandler] : [],
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

  async pendingCount(): Promise<number> {
    return (await this.service.stats()).pending;
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
    return `\`DelayTaskModule.forRoot({ prefix: '${PREFIX}', concurrency: ${this.concurrency}, keyspaceEvents: false })\`, one \`scheduleMany\` call per workload (no payload), handler \`@OnKeyExpired('bench:*')\`; the slow-handler workload sets its own \`concurrency\` and \`leaseMs\` (see Workloads)`;
  }

  async open(url: string, onFire?: FireListener, tuning?: ConsumerTuning): Promise<Endpoint> {
    const consumer = onFire && { onFire, handlerMs: tuning?.handlerMs ?? 0 };
    // createApplicationContext initialises the app: by contract the scheduler is armed when it resolves.
    const app = await NestFactory.createApplicationContext(
      BenchAppModule.register(
        url,
        tuning?.concurrency ?? this.concurrency,
        consumer,
        tuning?.leaseMs,
      ),
      { logger: ['error', 'warn'] },
    );
    return new DelayTaskEndpoint(app);
  }
}
