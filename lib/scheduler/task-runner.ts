import { Logger } from '@nestjs/common';
import { errorMessage } from '../delay-task.messages';
import { HandlerRegistry } from '../discovery/handler.registry';
import { BackoffOption } from '../interfaces/backoff.interface';
import { ExpiredKeyEvent, ExpiredKeySource } from '../interfaces/expired-key-event.interface';
import { TaskLifecycleEventType } from '../interfaces/task-lifecycle-event.interface';
import { TaskLifecycleStream } from '../lifecycle/task-lifecycle-stream';
import { ClaimedTask, TaskStore } from '../store/task-store';
import { decodePayload } from '../store/task-record';
import { EventRouter } from '../routing/event-router';
import { DeliveryTelemetry, TrackedDelivery } from '../telemetry/delivery-telemetry';
import { AckBatcher } from './ack-batcher';
import { backoffDelay } from './backoff';
import { LeaseKeeper } from './lease-keeper';
import { RedisClock } from './redis-clock';

export interface TaskRunnerSettings {
  db: number;
  maxAttempts: number;
  backoff: BackoffOption;
  /** Lateness, metrics and spans of each delivery. */
  telemetry: DeliveryTelemetry;
}

/** A handler's failure, and the pattern by which it matched the key (absent if routing itself failed). */
interface Failure {
  error: unknown;
  pattern?: string;
}

/**
 * Runs one claimed delivery to its end: routes it to the handlers, then
 * acknowledges it, schedules a retry, or dead-letters it, telling the
 * lifecycle stream each step.
 */
export class TaskRunner {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly store: TaskStore,
    private readonly router: EventRouter,
    private readonly clock: RedisClock,
    private readonly leases: LeaseKeeper,
    private readonly acks: AckBatcher,
    private readonly registry: HandlerRegistry,
    private readonly lifecycle: TaskLifecycleStream,
    private readonly settings: TaskRunnerSettings,
  ) {}

  async run(task: ClaimedTask, source: ExpiredKeySource): Promise<void> {
    this.leases.hold(task);
    if (task.recovered) this.announce('recovered', task);
    this.announce('started', task);
    let done = task.done;
    let failure: Failure;
    let delivery: TrackedDelivery | undefined;
    try {
      const event: ExpiredKeyEvent = {
        key: task.key,
        payload: decodePayload(task.record.payloadJson),
        scheduled: true,
        dueAt: task.record.dueAt,
        firedAt: this.clock.now(),
        attempt: task.attempt,
        source: task.recovered ? 'recovery' : source,
        db: this.settings.db,
      };
      delivery = this.settings.telemetry.begin(task, event);
      const outcome = await delivery.run(() => this.router.routeScheduled(event, task.done));
      done = outcome.done;
      const [first] = outcome.failures;
      if (!first) {
        this.acks.add(task);
        delivery.end('completed');
        this.announce('completed', task);
        return;
      }
      failure = first;
    } catch (error) {
      failure = { error };
    }
    await this.recordFailure(task, done, failure, delivery);
  }

  private async recordFailure(
    task: ClaimedTask,
    done: readonly string[],
    failure: Failure,
    delivery: TrackedDelivery | undefined,
  ): Promise<void> {
    const maxAttempts = task.record.maxAttempts ?? this.settings.maxAttempts;
    const action = task.attempt >= maxAttempts ? 'dead' : 'retry';
    const retryDelayMs = backoffDelay(task.record.backoff ?? this.settings.backoff, task.attempt);
    const error = errorMessage(failure.error);
    this.announce('failed', task, { error, pattern: failure.pattern });
    delivery?.end(action === 'dead' ? 'dead' : 'retrying', error);
    try {
      await this.store.fail(task, { action, retryDelayMs, done, error });
      if (action === 'dead') {
        this.logger.warn(
          `Task "${task.key}" failed ${task.attempt} time(s) and was dead-lettered.`,
        );
        this.announce('dead', task, { error, pattern: failure.pattern });
      } else {
        this.announce('retrying', task);
      }
    } catch (error) {
      // The lease runs out and another delivery follows: the failure is retried either way.
      this.logger.warn(`Could not record the failure of task "${task.key}": ${String(error)}`);
    } finally {
      this.leases.release(task);
    }
  }

  /** Tells the lifecycle stream about this delivery, if anything listens. */
  private announce(
    type: TaskLifecycleEventType,
    task: ClaimedTask,
    details: { error?: string; pattern?: string } = {},
  ): void {
    if (!this.lifecycle.observed) return;
    const pattern = details.pattern ?? this.registry.patternOf(task.key);
    this.lifecycle.emit({
      type,
      key: task.key,
      attempt: task.attempt,
      dueAt: task.record.dueAt,
      ...(pattern !== undefined && { pattern }),
      ...(details.error !== undefined && { error: details.error }),
    });
  }
}
