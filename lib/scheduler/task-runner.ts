import { Logger } from '@nestjs/common';
import { errorMessage } from '../delay-task.messages';
import { HandlerRegistry } from '../discovery/handler.registry';
import { BackoffOption } from '../interfaces/backoff.interface';
import { ExpiredKeySource } from '../interfaces/expired-key-event.interface';
import { TaskLifecycleEventType } from '../interfaces/task-lifecycle-event.interface';
import { TaskLifecycleStream } from '../lifecycle/task-lifecycle-stream';
import { SeriesOccurrences } from '../recurring/series-occurrences';
import { SeriesRule } from '../recurring/series-rule';
import { ClaimedTask, TaskStore } from '../store/task-store';
import { decodePayload } from '../store/task-record';
import { DeliveryAborts } from '../routing/delivery-aborts';
import { ABORTED, UnsignalledEvent } from '../routing/delivery-control';
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
    private readonly series: SeriesOccurrences,
    private readonly aborts: DeliveryAborts,
  ) {}

  async run(task: ClaimedTask, source: ExpiredKeySource): Promise<void> {
    this.leases.hold(task);
    // Most tasks are one-off: they pay no await for the series check.
    const rule =
      task.record.extensions.series === undefined ? undefined : await this.seriesRule(task);
    if (rule === null) return;
    if (rule && (await this.series.passOver(task, rule, this.maxAttemptsOf(task)))) {
      this.announce('skipped', task);
      return;
    }
    if (task.recovered) this.announce('recovered', task);
    this.announce('started', task);
    let done = task.done;
    let failure: Failure;
    const control = this.aborts.openScheduled(task.key, task.token);
    let delivery: TrackedDelivery | undefined;
    try {
      const event: UnsignalledEvent = {
        key: task.key,
        payload: decodePayload(task.record.payloadJson),
        scheduled: true,
        dueAt: task.record.dueAt,
        firedAt: this.clock.now(),
        attempt: task.attempt,
        source: task.recovered ? 'recovery' : source,
        db: this.settings.db,
        ...(rule && { recurring: true }),
      };
      const tracked = this.settings.telemetry.begin(task, event);
      delivery = tracked;
      const outcome = await control.race(
        tracked.run(() => this.router.routeScheduled(event, task.done, control)),
      );
      if (outcome === ABORTED) {
        // Cancelled for good (the task is deleted) or shut down (re-delivered after its lease):
        // nothing to write, whatever the handlers do next.
        tracked.end('aborted');
        this.leases.release(task);
        return;
      }
      done = outcome.done;
      const [first] = outcome.failures;
      if (!first) {
        if (rule) await this.series.advance(task, rule);
        else this.acks.add(task);
        tracked.end('completed');
        this.announce('completed', task);
        return;
      }
      failure = first;
    } catch (error) {
      failure = { error };
    } finally {
      this.aborts.closeScheduled(control);
    }
    await this.recordFailure(task, done, failure, delivery, rule);
  }

  /** A series occurrence's rule; undefined for a one-off task; null when it cannot be read here (left to its lease). */
  private async seriesRule(task: ClaimedTask): Promise<SeriesRule | undefined | null> {
    try {
      return await this.series.ruleOf(task);
    } catch (error) {
      this.leases.release(task);
      this.logger.warn(
        `Cannot run series "${task.key}" on this instance, left for another after its lease: ${errorMessage(error)}`,
      );
      return null;
    }
  }

  private maxAttemptsOf(task: ClaimedTask): number {
    return task.record.maxAttempts ?? this.settings.maxAttempts;
  }

  private async recordFailure(
    task: ClaimedTask,
    done: readonly string[],
    failure: Failure,
    delivery: TrackedDelivery | undefined,
    rule?: SeriesRule,
  ): Promise<void> {
    const action = task.attempt >= this.maxAttemptsOf(task) ? 'dead' : 'retry';
    const retryDelayMs = backoffDelay(task.record.backoff ?? this.settings.backoff, task.attempt);
    const error = errorMessage(failure.error);
    this.announce('failed', task, { error, pattern: failure.pattern });
    // A series' occurrence is never dead-lettered (that would end the series): it is given up.
    if (rule && !this.series.retryFits(task, rule, action === 'dead', retryDelayMs)) {
      delivery?.end('skipped', error);
      this.logger.warn(
        `Occurrence of series "${task.key}" failed ${task.attempt} time(s) and is given up; the series goes on.`,
      );
      await this.series.advance(task, rule);
      this.announce('skipped', task, { error, pattern: failure.pattern });
      return;
    }
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
