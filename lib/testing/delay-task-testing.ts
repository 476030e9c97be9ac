import type { INestApplicationContext } from '@nestjs/common';
import { filter } from 'rxjs';
import { DelayTaskOrchestrator } from '../delay-task.orchestrator';
import { DelayTaskService } from '../delay-task.service';
import { InvalidDelayError } from '../errors/invalid-delay.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { TaskLifecycleEvent } from '../interfaces/task-lifecycle-event.interface';
import { TaskStore } from '../store/task-store';
import { validateKey } from '../validation/task-input.validation';

/** How one delivery that `fire` ran ended. */
export interface FireOutcome {
  /**
   * `'failed'`: a handler failed and the task is pending again for a retry;
   * `'dead'`: it was dead-lettered; `'skipped'`: a recurring series'
   * occurrence was given up (no retry before the next occurrence) and the
   * series moved on.
   */
  outcome: 'completed' | 'failed' | 'dead' | 'skipped';
  /** The failing handler's error message. */
  error?: string;
}

/** Rounds of "claim what is due, let it settle" `advance` runs before it calls a handler loop a bug. */
const MAX_ROUNDS = 1_000;

/**
 * Drives the real module of one app against its real Redis, without waiting
 * for the clock: due times are moved, never the clock, so nothing runs early
 * in production code. Get one with `DelayTaskTesting.attach(app)`.
 */
export class DelayTaskTestClock {
  constructor(
    private readonly instance: DelayTaskOrchestrator,
    private readonly store: TaskStore,
    private readonly tasks: DelayTaskService,
  ) {}

  /**
   * Moves every pending task's due time `ms` earlier, as if that much time had
   * passed, and resolves once everything then due that this instance handles
   * ran and settled (tasks its handlers schedule due at once included).
   * Retries wait for their backoff, as in production: advance again to reach them.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidDelayError(
        `advance: "ms" must be a finite number of 0 or more, got ${String(ms)}.`,
      );
    }
    await this.store.advance(ms);
    await this.runDue();
  }

  /**
   * Runs one pending task now, on this instance, and resolves with how its
   * delivery went once it settled. Its `dueAt` stays the due time it was
   * scheduled for. Throws `InvalidOptionsError` if the key is not pending.
   */
  async fire(key: string): Promise<FireOutcome> {
    validateKey(key);
    let outcome: FireOutcome | undefined;
    let failure: string | undefined;
    const watching = this.tasks.events$
      .pipe(filter((event) => event.key === key))
      .subscribe((event) => {
        if (event.type === 'failed') failure = event.error;
        else if (isEnd(event)) outcome ??= toOutcome(event, failure);
      });
    try {
      if ((await this.store.runNow(key)) === null) {
        throw new InvalidOptionsError(`fire: task "${key}" is not pending.`);
      }
      await this.runDue();
    } finally {
      watching.unsubscribe();
    }
    if (!outcome) {
      throw new InvalidOptionsError(
        `fire: no @OnKeyExpired handler of this app matches "${key}", so it did not run here.`,
      );
    }
    return outcome;
  }

  /** Resolves once nothing is in flight on this instance and finished deliveries are acknowledged. */
  settled(): Promise<void> {
    return this.instance.settled();
  }

  /** Routes a plain expired key through the handlers, as if Redis had published its expiry; resolves once they settled. */
  async expire(key: string): Promise<void> {
    this.instance.routeExpiredKey(validateKey(key));
    await this.settled();
  }

  private async runDue(): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const started = await this.instance.claimDueNow();
      await this.settled();
      if (started === 0) return;
    }
    throw new Error(
      `Tasks kept falling due for ${MAX_ROUNDS} rounds: a handler schedules its own key due at once?`,
    );
  }
}

/** Events that end a delivery: it completed, or its failure is recorded. */
function isEnd(event: TaskLifecycleEvent): boolean {
  return (
    event.type === 'completed' ||
    event.type === 'retrying' ||
    event.type === 'dead' ||
    event.type === 'skipped'
  );
}

/** The outcome an ending event says, with the error of the failure before it (`'retrying'` carries none). */
function toOutcome(event: TaskLifecycleEvent, failure: string | undefined): FireOutcome {
  if (event.type === 'completed') return { outcome: 'completed' };
  const outcome: FireOutcome = {
    outcome: event.type === 'dead' || event.type === 'skipped' ? event.type : 'failed',
  };
  const error = event.error ?? failure;
  if (error !== undefined) outcome.error = error;
  return outcome;
}

/**
 * Entry point of `nestjs-delay-task/testing`.
 *
 * @example
 * ```ts
 * const clock = DelayTaskTesting.attach(app);
 * await tasks.schedule('order:42', { orderId: '42' }, { delay: 30 * 60_000 });
 * await clock.advance(30 * 60_000); // the order-expiry handler ran and settled
 * ```
 */
export const DelayTaskTesting = {
  /** A test clock for an initialised app (`INestApplicationContext`, a `TestingModule` after `init()`). */
  attach(app: INestApplicationContext): DelayTaskTestClock {
    if (app === null || typeof app !== 'object' || typeof app.get !== 'function') {
      throw new InvalidOptionsError(
        'DelayTaskTesting.attach takes a Nest application or testing module.',
      );
    }
    return new DelayTaskTestClock(
      app.get(DelayTaskOrchestrator, { strict: false }),
      app.get(TaskStore, { strict: false }),
      app.get(DelayTaskService, { strict: false }),
    );
  },
};
