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
import { claimCallsSoFar, countClaimCalls } from '../claim-counter';
import { now, sleep } from '../clock';
import {
  BenchTask,
  ConsumerTuning,
  Endpoint,
  FireListener,
  Mechanism,
  rowId,
  rowLabel,
  SCHEDULE_CHUNK,
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
    // One call after the other, as an application feeding a queue in pages would.
    for (let start = 0; start < tasks.length; start += SCHEDULE_CHUNK) {
      await this.service.scheduleMany(
        tasks
          .slice(start, start + SCHEDULE_CHUNK)
          .map((task) => ({ key: task.key, at: task.dueAt })),
      );
    }
  }

  claimCalls(): number {
    return claimCallsSoFar();
  }

  async pendingCount(): Promise<number> {
    return (await this.service.stats()).pending;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

export class DelayTaskMechanism implements Mechanism {
  readonly kind = 'delay-task' as const;
  readonly id: string;
  readonly label: string;
  readonly needsKeyspaceEvents = false;
  readonly storesTasks = true;

  constructor(readonly concurrency: number) {
    this.id = rowId({ kind: this.kind, concurrency });
    this.label = rowLabel({ kind: this.kind, concurrency });
  }

  describeSettings(): string {
    return `\`DelayTaskModule.forRoot({ prefix: '${PREFIX}', concurrency: ${this.concurrency}, keyspaceEvents: false })\`, \`scheduleMany\` with ${SCHEDULE_CHUNK.toLocaleString('en-US')} items per call (no payload), handler \`@OnKeyExpired('bench:*')\`; the slow-handler workload sets its own \`leaseMs\` (see Workloads)`;
  }

  async open(url: string, onFire?: FireListener, tuning?: ConsumerTuning): Promise<Endpoint> {
    countClaimCalls();
    const consumer = onFire && { onFire, handlerMs: tuning?.handlerMs ?? 0 };
    // createApplicationContext initialises the app: by contract the scheduler is armed when it resolves.
    const app = await NestFactory.createApplicationContext(
      BenchAppModule.register(url, this.concurrency, consumer, tuning?.leaseMs),
      { logger: ['error', 'warn'] },
    );
    return new DelayTaskEndpoint(app);
  }
}
