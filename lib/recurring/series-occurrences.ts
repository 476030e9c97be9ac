import { Logger } from '@nestjs/common';
import { LeaseKeeper } from '../scheduler/lease-keeper';
import { RedisClock } from '../scheduler/redis-clock';
import { ClaimedTask } from '../store/task-store';
import { isStale, nextOccurrence } from './next-occurrence';
import { SeriesRule } from './series-rule';
import { storedSeriesRule } from './series-rules';
import { SeriesStore } from './series-store';

/** Times the next occurrence is computed again when the rule was re-declared meanwhile. */
const REDECLARED_RETRIES = 3;

/**
 * What the task runner does differently for an occurrence of a recurring
 * series: it runs only within its own time slot (before the next occurrence
 * is due), and it ends by writing the next occurrence instead of deleting the
 * task. One occurrence per series is pending or running at a time, so runs of
 * one series never overlap: an occurrence whose time comes while the previous
 * one still runs is a missed one (one catch-up, or none with `'skip'`).
 */
export class SeriesOccurrences {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly store: SeriesStore,
    private readonly clock: RedisClock,
    private readonly leases: LeaseKeeper,
  ) {}

  /** The rule of a claimed occurrence, undefined for a one-off task. Rejects when it cannot be read here. */
  async ruleOf(task: ClaimedTask): Promise<SeriesRule | undefined> {
    const text = task.record.extensions.series;
    return text === undefined ? undefined : storedSeriesRule(text);
  }

  /**
   * Before a delivery: whether this occurrence is passed over instead of run,
   * and why: it is stale (the next occurrence is due already: every instance
   * was down, or its lease was taken over too late), or it used up its
   * attempts in lease takeovers. The series then moves on.
   */
  async passOver(
    task: ClaimedTask,
    rule: SeriesRule,
    maxAttempts: number,
  ): Promise<'stale' | 'out of attempts' | undefined> {
    const reason =
      task.attempt > maxAttempts
        ? 'out of attempts'
        : isStale(rule, task.record.dueAt, this.clock.now())
          ? 'stale'
          : undefined;
    if (reason === undefined) return undefined;
    if (reason === 'out of attempts') {
      this.logger.warn(
        `Occurrence of series "${task.key}" due at ${new Date(task.record.dueAt).toISOString()} ` +
          `was taken over ${task.attempt - 1} time(s) and is given up; the series goes on.`,
      );
    }
    await this.advance(task, rule);
    return reason;
  }

  /**
   * After a failed delivery: whether a retry fits, i.e. attempts are left and
   * the retry would start before the next occurrence is due. When it does not,
   * the caller gives the occurrence up (`advance`): retries never run into the
   * next occurrence's time.
   */
  retryFits(
    task: ClaimedTask,
    rule: SeriesRule,
    outOfAttempts: boolean,
    retryDelayMs: number,
  ): boolean {
    if (outOfAttempts) return false;
    const following = rule.following(task.record.dueAt);
    return following === null || this.clock.now() + retryDelayMs < following;
  }

  /**
   * Ends the occurrence (completed, or given up) and writes the next one, in
   * one script; releases its lease. On a Redis error the occurrence stays in
   * flight and is re-delivered after its lease, like any unacknowledged task.
   */
  async advance(task: ClaimedTask, rule: SeriesRule): Promise<void> {
    try {
      let current: SeriesRule | undefined = rule;
      for (let round = 0; current && round < REDECLARED_RETRIES; round++) {
        const next = nextOccurrence(current, task.record.dueAt, this.clock.now());
        if ((await this.store.advance(task, current.text, next)) !== 'changed') return;
        // Re-declared while this occurrence ran: the next one follows the new rule.
        const text = await this.store.storedRule(task.key);
        current = text === undefined ? undefined : await storedSeriesRule(text);
      }
    } catch (error) {
      this.logger.warn(
        `Could not move series "${task.key}" to its next occurrence; this one is re-delivered ` +
          `after its lease: ${String(error)}`,
      );
    } finally {
      this.leases.release(task);
    }
  }
}
