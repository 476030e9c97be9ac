import { Logger } from '@nestjs/common';
import { errorMessage } from '../delay-task.messages';
import { BackoffOption } from '../interfaces/backoff.interface';
import { ExpiredKeyEvent, ExpiredKeySource } from '../interfaces/expired-key-event.interface';
import { ClaimedTask, TaskStore } from '../store/task-store';
import { decodePayload } from '../store/task-record';
import { EventRouter } from '../routing/event-router';
import { AckBatcher } from './ack-batcher';
import { backoffDelay } from './backoff';
import { LeaseKeeper } from './lease-keeper';
import { RedisClock } from './redis-clock';

export interface TaskRunnerSettings {
  db: number;
  maxAttempts: number;
  backoff: BackoffOption;
}

/**
 * Runs one claimed delivery to its end: routes it to the handlers, then
 * acknowledges it, schedules a retry, or dead-letters it.
 */
export class TaskRunner {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly store: TaskStore,
    private readonly router: EventRouter,
    private readonly clock: RedisClock,
    private readonly leases: LeaseKeeper,
    private readonly acks: AckBatcher,
    private readonly settings: TaskRunnerSettings,
  ) {}

  async run(task: ClaimedTask, source: ExpiredKeySource): Promise<void> {
    this.leases.hold(task);
    let done = task.done;
    let failure: unknown;
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
      const outcome = await this.router.routeScheduled(event, task.done);
      done = outcome.done;
      failure = outcome.failures[0]?.error;
      if (outcome.failures.length === 0) {
        this.acks.add(task);
        return;
      }
    } catch (error) {
      failure = error;
    }
    await this.recordFailure(task, done, failure);
  }

  private async recordFailure(
    task: ClaimedTask,
    done: readonly string[],
    failure: unknown,
  ): Promise<void> {
    const maxAttempts = task.record.maxAttempts ?? this.settings.maxAttempts;
    const action = task.attempt >= maxAttempts ? 'dead' : 'retry';
    const retryDelayMs = backoffDelay(task.record.backoff ?? this.settings.backoff, task.attempt);
    try {
      await this.store.fail(task, { action, retryDelayMs, done, error: errorMessage(failure) });
      if (action === 'dead') {
        this.logger.warn(
          `Task "${task.key}" failed ${task.attempt} time(s) and was dead-lettered.`,
        );
      }
    } catch (error) {
      // The lease runs out and another delivery follows: the failure is retried either way.
      this.logger.warn(`Could not record the failure of task "${task.key}": ${String(error)}`);
    } finally {
      this.leases.release(task);
    }
  }
}
