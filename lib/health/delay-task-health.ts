import { Inject, Injectable } from '@nestjs/common';
import { RESOLVED_DELAY_TASK_OPTIONS } from '../delay-task.constants';
import {
  errorMessage,
  healthReadFailed,
  keyspaceFlagsMissing,
  noMasterKnown,
  oldestOverdueTooOld,
  redisDidNotAnswer,
  redisNotReady,
  subscriberDisconnected,
  tooManyDeadLetters,
} from '../delay-task.messages';
import { DelayTaskOrchestrator } from '../delay-task.orchestrator';
import { KeyspaceSubscriberStatus } from '../keyspace/keyspace-listener';
import { missingKeyspaceFlags, readKeyspaceFlags } from '../keyspace/keyspace-flags';
import { withDeadline } from '../redis/deadline';
import { RedisConnection } from '../redis/redis-connection';
import { OverdueInspector } from '../stats/overdue-inspector';
import { TaskStore } from '../store/task-store';
import { ResolvedHealthOptions } from '../validation/health-options.validation';
import { ResolvedDelayTaskOptions } from '../validation/module-options.validation';

/** What a health check looked at, reported beside its status. */
export interface DelayTaskHealthDetails {
  /** Whether every server the module writes to answered `PING`. */
  redis: 'up' | 'down';
  /** The subscriber of plain expired keys; `'off'` with `keyspaceEvents: false`. */
  keyspaceSubscriber: KeyspaceSubscriberStatus | 'off';
  /**
   * `notify-keyspace-events` on every server: `'ok'` (E and x present),
   * `'missing'`, `'unknown'` (CONFIG refused, so only the server's
   * configuration says; or Redis did not answer), `'off'` when plain expired
   * keys are not listened to.
   */
  keyspaceFlags: 'ok' | 'missing' | 'unknown' | 'off';
  /** As in `stats()`; absent when Redis did not answer. */
  oldestOverdueMs?: number;
  /** Dead letters; absent when Redis did not answer. */
  dead?: number;
}

/** What a health check found: healthy, or the problems that make it not. */
export interface DelayTaskHealthReport {
  healthy: boolean;
  /** One sentence per cause of "down"; empty when healthy. */
  problems: string[];
  details: DelayTaskHealthDetails;
}

/**
 * Checks the module's own connections and index, reusing them (no connection
 * of its own): Redis answering, the keyspace subscriber connected, the
 * keyspace flags in place, and the overdue and dead-letter thresholds. The
 * Terminus indicator (`nestjs-delay-task/terminus`) turns its report into a
 * health result; the core depends on no health library.
 */
@Injectable()
export class DelayTaskHealth {
  constructor(
    @Inject(RESOLVED_DELAY_TASK_OPTIONS) private readonly options: ResolvedDelayTaskOptions,
    private readonly connection: RedisConnection,
    private readonly store: TaskStore,
    private readonly overdue: OverdueInspector,
    private readonly orchestrator: DelayTaskOrchestrator,
  ) {}

  async check({
    maxOldestOverdueMs,
    maxDead,
    timeout,
  }: ResolvedHealthOptions): Promise<DelayTaskHealthReport> {
    const problems: string[] = [];
    const subscriber = this.options.keyspaceEvents ? this.orchestrator.keyspaceSubscriber() : 'off';
    if (subscriber === 'disconnected') problems.push(subscriberDisconnected());
    const listening = subscriber === 'connected' || subscriber === 'disconnected';
    const details: DelayTaskHealthDetails = {
      redis: 'up',
      keyspaceSubscriber: subscriber,
      keyspaceFlags: listening ? 'unknown' : 'off',
    };
    const unreachable = await this.unreachable(timeout);
    if (unreachable) {
      details.redis = 'down';
      problems.unshift(unreachable);
      return { healthy: false, problems, details };
    }

    const [flags, oldest, stats] = await Promise.allSettled([
      listening ? this.keyspaceFlags(timeout) : Promise.resolve(null),
      withDeadline(this.overdue.oldestOverdueMs(), timeout),
      withDeadline(this.store.stats(), timeout),
    ]);
    if (flags.status === 'fulfilled' && flags.value) {
      details.keyspaceFlags = flags.value.state;
      problems.push(...flags.value.problems);
    }
    if (oldest.status === 'rejected') {
      problems.push(healthReadFailed('the oldest overdue task', errorMessage(oldest.reason)));
    } else {
      details.oldestOverdueMs = oldest.value;
      if (maxOldestOverdueMs !== undefined && oldest.value > maxOldestOverdueMs) {
        problems.push(oldestOverdueTooOld(oldest.value, maxOldestOverdueMs));
      }
    }
    if (stats.status === 'rejected') {
      problems.push(healthReadFailed('the dead letters', errorMessage(stats.reason)));
    } else {
      details.dead = stats.value.dead;
      if (maxDead !== undefined && stats.value.dead > maxDead) {
        problems.push(tooManyDeadLetters(stats.value.dead, maxDead));
      }
    }
    return { healthy: problems.length === 0, problems, details };
  }

  /** Why Redis counts as not answering, or `null` when every server the module writes to answered PING. */
  private async unreachable(timeout: number): Promise<string | null> {
    const { client } = this.connection;
    // Commands wait in ioredis' offline queue while it reconnects: no use sending one.
    if (client.status !== 'ready') return redisNotReady(client.status);
    const servers = this.connection.servers();
    if (servers.length === 0) return noMasterKnown();
    const failures = await Promise.all(
      servers.map(({ client: server, address }) =>
        withDeadline(server.ping(), timeout).then(
          () => null,
          (error: unknown) => redisDidNotAnswer(address, errorMessage(error)),
        ),
      ),
    );
    return failures.find((failure) => failure !== null) ?? null;
  }

  /**
   * `notify-keyspace-events` of every server, read now: someone may have
   * changed it since the module set it. A server lacking flags is a problem;
   * one where CONFIG is refused (managed Redis, an ACL) makes it `'unknown'`.
   */
  private async keyspaceFlags(
    timeout: number,
  ): Promise<{ state: DelayTaskHealthDetails['keyspaceFlags']; problems: string[] }> {
    const problems: string[] = [];
    let unknown = false;
    await Promise.all(
      this.connection.servers().map(async ({ client, address }) => {
        let flags: string;
        try {
          flags = await withDeadline(readKeyspaceFlags(client), timeout);
        } catch {
          unknown = true;
          return;
        }
        const missing = missingKeyspaceFlags(flags);
        if (missing) problems.push(keyspaceFlagsMissing(address, flags, missing));
      }),
    );
    return { state: problems.length > 0 ? 'missing' : unknown ? 'unknown' : 'ok', problems };
  }
}
