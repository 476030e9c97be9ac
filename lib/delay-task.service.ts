import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { RESOLVED_DELAY_TASK_OPTIONS } from './delay-task.constants';
import { InvalidOptionsError } from './errors/invalid-options.error';
import { InstanceDirectory } from './instances/instance-directory';
import { ExpiredKeyEvent } from './interfaces/expired-key-event.interface';
import { CancelOptions } from './interfaces/cancel-options.interface';
import { InstanceInfo } from './interfaces/instance-info.interface';
import {
  DueTime,
  ScheduledTaskRef,
  ScheduleManyItem,
  ScheduleOptions,
} from './interfaces/schedule-options.interface';
import { RepeatOptions, RepeatRule } from './interfaces/repeat-options.interface';
import {
  DeadLetterPage,
  DeadLetterQuery,
  TaskInfo,
  TaskListQuery,
  TaskPage,
  TaskStats,
} from './interfaces/task-info.interface';
import { encodeListCursor } from './store/list-cursor';
import { TaskLifecycleEvent } from './interfaces/task-lifecycle-event.interface';
import { TaskLifecycleStream } from './lifecycle/task-lifecycle-stream';
import { RecurringSeries, seriesInfoOf } from './recurring/recurring-series';
import { OverdueInspector } from './stats/overdue-inspector';
import { unhandledTasks } from './stats/unhandled-tasks';
import { PreparedTask, TaskStore } from './store/task-store';
import { decodePayload, recordHeader } from './store/task-record';
import { ExpiredEventStream } from './routing/expired-event-stream';
import { DelayTaskTelemetry } from './telemetry/delay-task-telemetry';
import { validateListQuery } from './validation/list-query.validation';
import { validateCancelOptions, validateIfPending } from './validation/handler-control.validation';
import { ResolvedDelayTaskOptions } from './validation/module-options.validation';
import {
  serializePayload,
  validateBackoffPolicy,
  validateDueTime,
  validateKey,
  validateMaxAttempts,
  validatePattern,
  validateShift,
} from './validation/task-input.validation';

/** Record header of a task that uses the module's `maxAttempts` and `backoff`. */
const DEFAULT_HEADER = recordHeader(undefined, undefined);
/**
 * Schedules, changes and inspects delayed tasks, and exposes the stream of
 * expired-key events. Every method validates its input first and throws a
 * named error before anything is written.
 */
@Injectable()
export class DelayTaskService {
  constructor(
    @Inject(RESOLVED_DELAY_TASK_OPTIONS) private readonly options: ResolvedDelayTaskOptions,
    private readonly store: TaskStore,
    private readonly stream: ExpiredEventStream,
    private readonly lifecycle: TaskLifecycleStream,
    private readonly directory: InstanceDirectory,
    private readonly overdue: OverdueInspector,
    private readonly recurring: RecurringSeries,
    private readonly telemetry: DelayTaskTelemetry,
  ) {}

  /** Every event this instance routes: plain expired keys and each delivery of a scheduled task. */
  get expired$(): Observable<ExpiredKeyEvent> {
    return this.stream;
  }

  /** Events whose key matches a Redis glob pattern. Observing never claims a task. */
  on<T = unknown>(pattern: string): Observable<ExpiredKeyEvent<T>> {
    return this.stream.ofPattern<T>(validatePattern(pattern));
  }

  /**
   * What this instance does to scheduled tasks: scheduled, cancelled, and each
   * delivery's started, completed, failed, retrying, dead or recovered (see
   * `TaskLifecycleEventType`). Observing never affects a task; a subscriber
   * that throws is reported by RxJS as an uncaught exception, so catch inside
   * it, or use `@OnTaskEvent`, whose listeners' errors are logged.
   */
  get events$(): Observable<TaskLifecycleEvent> {
    return this.lifecycle;
  }

  /**
   * Schedules `key` to expire after `delay` ms or `at` a moment, carrying
   * `payload` to its handlers. A pending task of the same key is replaced,
   * kept, or moved to the sooner or later due time as `ifPending` says; the
   * reply's `dueAt` is the due time in force.
   *
   * @example
   * ```ts
   * await tasks.schedule('order:42', { orderId: '42' }, { delay: 30 * 60_000 });
   * ```
   */
  async schedule<T = unknown>(
    key: string,
    payload: T,
    options: ScheduleOptions,
  ): Promise<ScheduledTaskRef> {
    const task = this.prepare(key, payload, options);
    this.attachTrace([task]);
    const [dueAt] = await this.store.schedule([task]);
    this.announceScheduled([task], [dueAt]);
    return { key: task.key, dueAt };
  }

  /**
   * Schedules many tasks in batched round trips. The whole batch is validated
   * first (one bad item: nothing written); a key repeated in the batch keeps its last item.
   */
  async scheduleMany<T = unknown>(
    items: ReadonlyArray<ScheduleManyItem<T>>,
  ): Promise<ScheduledTaskRef[]> {
    if (!Array.isArray(items)) {
      throw new InvalidOptionsError(
        'scheduleMany takes an array of { key, payload, delay | at } items.',
      );
    }
    const lastByKey = new Map<string, PreparedTask>();
    items.forEach((item, index) => {
      if (item === null || typeof item !== 'object') {
        throw new InvalidOptionsError(`scheduleMany: item ${index} must be an object.`);
      }
      const task = this.prepare(item.key, item.payload, item);
      lastByKey.delete(task.key);
      lastByKey.set(task.key, task);
    });
    const tasks = [...lastByKey.values()];
    this.attachTrace(tasks);
    const dues = await this.store.schedule(tasks);
    this.announceScheduled(tasks, dues);
    return tasks.map((task, index) => ({ key: task.key, dueAt: dues[index] }));
  }

  /**
   * Starts a recurring series under `key`, or updates the one there: one
   * occurrence pending at a time, each run on exactly one instance
   * (`event.recurring === true`, `event.dueAt` its time). Declaring is
   * idempotent: an existing series keeps its next occurrence's time, and a
   * changed rule applies from the occurrence after it. Resolves with the next
   * occurrence. `cancel(key)` ends the series.
   *
   * @example
   * ```ts
   * await tasks.repeat('report:daily', { team: 'ops' }, { cron: '0 2 * * *', tz: 'Europe/Berlin' });
   * await tasks.repeat('cache:refresh', undefined, { every: 60_000 }, { missed: 'skip' });
   * ```
   */
  async repeat<T = unknown>(
    key: string,
    payload: T,
    rule: RepeatRule,
    options: RepeatOptions = {},
  ): Promise<ScheduledTaskRef> {
    return this.recurring.write(await this.recurring.prepare(key, payload, rule, options));
  }

  /**
   * Cancels a pending task, or ends a recurring series (pending or running: a
   * running occurrence finishes, and none follows it). `false` if there was
   * neither (unknown, a one-off task in flight, or dead-lettered). With
   * `{ abort: true }` an in-flight task is stopped for good too (deleted, its
   * signal aborted on the instance running it; for a series, no occurrence
   * follows), and the reply is `true` for it as well.
   */
  async cancel(key: string, options?: CancelOptions): Promise<boolean> {
    const validKey = validateKey(key);
    const cancelled = validateCancelOptions(options, validKey)
      ? (await this.store.abort(validKey)) !== null
      : (await this.store.cancel(validKey)) || (await this.recurring.end(validKey));
    if (cancelled && this.lifecycle.observed) {
      this.lifecycle.emit({ type: 'cancelled', key, attempt: 0 });
    }
    return cancelled;
  }

  /** Gives a pending task a new due time, keeping its payload; its new due time, or `null` if not pending. */
  async reschedule(key: string, due: DueTime): Promise<number | null> {
    validateKey(key);
    return this.store.reschedule(key, validateDueTime(due, key));
  }

  /**
   * Moves a pending task's due time by `deltaMs` (negative: sooner); its new
   * due time, or `null` if not pending. A due time pushed into the past fires now.
   */
  async shift(key: string, deltaMs: number): Promise<number | null> {
    validateKey(key);
    return this.store.reschedule(key, validateShift(deltaMs, key));
  }

  /**
   * Makes a pending task claimable now, keeping its due time (its handler
   * still sees the `dueAt` it was scheduled for); when it became claimable,
   * or `null` if it is not pending.
   */
  async runNow(key: string): Promise<number | null> {
    return this.store.runNow(validateKey(key));
  }

  /** A pending or in-flight task, or `null`. */
  async get<T = unknown>(key: string): Promise<TaskInfo<T> | null> {
    const stored = await this.store.get(validateKey(key));
    if (!stored) return null;
    const info: TaskInfo<T> = {
      key,
      payload: decodePayload<T>(stored.record.payloadJson),
      dueAt: stored.record.dueAt,
      attempt: stored.attempt,
      state: stored.state,
    };
    if (stored.runAt !== undefined) info.runAt = stored.runAt;
    const series = seriesInfoOf(stored.record.extensions);
    if (series) info.series = series;
    if (stored.record.extensions.trace) info.trace = stored.record.extensions.trace;
    return info;
  }

  /** Lists dead-lettered tasks with their last error, a page at a time. */
  async deadLetters<T = unknown>(query: DeadLetterQuery = {}): Promise<DeadLetterPage<T>> {
    const pattern = query.pattern === undefined ? '*' : validatePattern(query.pattern);
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidOptionsError(
        `deadLetters: "limit" must be a positive integer, got ${String(limit)}.`,
      );
    }
    if (query.cursor !== undefined && !/^\d+:\d+$/.test(query.cursor)) {
      throw new InvalidOptionsError(
        `deadLetters: "cursor" must be one returned by a previous call.`,
      );
    }
    const page = await this.store.deadLetters(pattern, limit, query.cursor);
    return {
      cursor: page.cursor,
      items: page.items.map((entry) => ({
        key: entry.key,
        payload: decodePayload<T>(entry.record.payloadJson),
        attempt: entry.attempt,
        error: entry.error,
        failedAt: entry.failedAt,
      })),
    };
  }

  /** Makes a dead-lettered task pending again (now, by default) with fresh attempts; its due time, or `null`. */
  async requeue(key: string, due: DueTime = { delay: 0 }): Promise<number | null> {
    validateKey(key);
    return this.store.requeue(key, validateDueTime(due, key));
  }

  /**
   * Lists pending tasks in the order they become claimable (or, with
   * `state: 'active'`, in-flight deliveries by lease expiry), filtered by a
   * Redis glob and a time range, a page at a time. Paging is stable while
   * tasks come and go: a task that stays pending is listed once. Each page
   * reads a bounded number of entries, however many tasks there are.
   *
   * @example
   * ```ts
   * let cursor: string | undefined;
   * do {
   *   const page = await tasks.list({ pattern: 'order:*', limit: 100, cursor });
   *   page.items.forEach((task) => console.log(task.key, new Date(task.dueAt)));
   *   cursor = page.cursor ?? undefined;
   * } while (cursor);
   * ```
   */
  async list<T = unknown>(query: TaskListQuery = {}): Promise<TaskPage<T>> {
    const { page, positions } = validateListQuery(query, this.store.keys.shards.length);
    const listed = await this.store.list(page, positions);
    return {
      cursor: encodeListCursor(listed.positions),
      items: listed.items.map((entry) => {
        const info: TaskInfo<T> = {
          key: entry.key,
          payload: decodePayload<T>(entry.record.payloadJson),
          dueAt: entry.record.dueAt,
          attempt: entry.attempt ?? entry.state.attempt,
          state: page.state,
        };
        const series = seriesInfoOf(entry.record.extensions);
        if (series) info.series = series;
        if (entry.record.extensions.trace) info.trace = entry.record.extensions.trace;
        if (page.state === 'pending') {
          info.runAt = Number(entry.score);
        } else {
          if (entry.leaseExpiresAt !== undefined) info.leaseExpiresAt = entry.leaseExpiresAt;
          if (entry.owner !== undefined) info.owner = entry.owner;
        }
        return info;
      }),
    };
  }

  /**
   * Cancels every pending task whose key matches a Redis glob, on every shard,
   * in bounded steps; returns how many it cancelled. In-flight tasks are left
   * alone, and a task scheduled while it runs may or may not be cancelled.
   */
  async cancelMatching(pattern: string): Promise<number> {
    return this.store.cancelMatching(validatePattern(pattern));
  }

  /** Deletes a dead-lettered task; `false` if there was none. */
  async discard(key: string): Promise<boolean> {
    return this.store.discard(validateKey(key));
  }

  /**
   * Counts of pending, overdue, in-flight and dead-lettered tasks, how long the
   * oldest overdue task has waited, and which overdue tasks no live instance
   * handles (sampled from the oldest: see `TaskStats.unhandled`).
   */
  async stats(): Promise<TaskStats> {
    const [counts, overdue, instances] = await Promise.all([
      this.store.stats(),
      this.overdue.inspect(),
      this.directory.list(),
    ]);
    return {
      ...counts,
      oldestOverdueMs: overdue.oldestOverdueMs,
      unhandled: unhandledTasks(overdue.sample, instances),
    };
  }

  /**
   * The live app instances on this prefix (this one included), from their
   * heartbeats: a stopped instance leaves at once, a crashed one within three
   * `heartbeatIntervalMs`.
   */
  async instances(): Promise<InstanceInfo[]> {
    return this.directory.list();
  }

  /** Stores the active span with the tasks, so their deliveries link to it; nothing when no span is active. */
  private attachTrace(tasks: PreparedTask[]): void {
    const trace = this.telemetry.traceContext();
    if (trace === undefined) return;
    for (const task of tasks) task.extensions = { ...task.extensions, trace };
  }

  private announceScheduled(tasks: readonly PreparedTask[], dues: readonly number[]): void {
    this.telemetry.scheduled(tasks.length);
    if (!this.lifecycle.observed) return;
    tasks.forEach((task, index) => {
      this.lifecycle.emit({ type: 'scheduled', key: task.key, attempt: 0, dueAt: dues[index] });
    });
  }

  private prepare(key: unknown, payload: unknown, options: ScheduleOptions): PreparedTask {
    const validKey = validateKey(key);
    const timing = validateDueTime(options, validKey);
    const payloadJson = serializePayload(payload, this.options.maxPayloadBytes, validKey);
    const ifPending = validateIfPending(options.ifPending, validKey);
    // Most tasks take the module's delivery settings: skip building their error context.
    if (options.maxAttempts === undefined && options.backoff === undefined) {
      return { key: validKey, timing, header: DEFAULT_HEADER, payloadJson, ifPending };
    }
    const where = `Task "${validKey}"`;
    const maxAttempts = validateMaxAttempts(options.maxAttempts, where);
    const backoff = validateBackoffPolicy(options.backoff, where);
    return {
      key: validKey,
      timing,
      header: recordHeader(maxAttempts, backoff),
      payloadJson,
      ifPending,
    };
  }
}
