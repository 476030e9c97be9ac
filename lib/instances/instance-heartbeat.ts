import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { HEARTBEATS_BEFORE_GONE } from '../delay-task.constants';
import { heartbeatFailed } from '../delay-task.messages';
import { withDeadline } from '../redis/deadline';
import { RedisClock } from '../scheduler/redis-clock';
import { LatenessSnapshot } from '../telemetry/lateness-histogram';
import { InstanceDirectory } from './instance-directory';

/** Longest a shutdown waits to remove this instance's entry; past it, the entry runs out by itself. */
const WITHDRAW_TIMEOUT_MS = 1_000;

export interface HeartbeatSettings {
  /** This instance's id (`InstanceIdentity`). */
  id: string;
  /** This instance's handler patterns (empty for one that only schedules). */
  patterns: string[];
  concurrency: number;
  intervalMs: number;
  /** Scheduled-task deliveries running now. */
  inFlight: () => number;
  /** This instance's lateness so far, carried in each heartbeat so any instance can sum them. */
  lateness?: () => LatenessSnapshot;
}

/**
 * Announces this instance in the directory every `intervalMs`, so
 * `instances()` lists it and `stats()` knows which patterns someone handles.
 * A graceful stop withdraws it at once; a crash lets its entry run out after
 * `HEARTBEATS_BEFORE_GONE` periods.
 *
 * NOTE: each heartbeat reads Redis' `TIME` and feeds it to the clock: an
 * instance that never claims (a web tier) still stamps its lifecycle events
 * with Redis' time rather than its own.
 */
export class InstanceHeartbeat {
  private readonly logger = new Logger('DelayTaskModule');
  private startedAt?: number;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  /** Set after a failed heartbeat, so an outage is logged once, not every period. */
  private failing = false;
  private stopped = false;

  constructor(
    private readonly directory: InstanceDirectory,
    private readonly clock: RedisClock,
    private readonly settings: HeartbeatSettings,
  ) {}

  /** Writes the first heartbeat (a failure fails the start) and keeps writing. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beatLogged(), this.settings.intervalMs);
  }

  /** Stops writing and removes this instance from the directory (left to run out if Redis is away). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.startedAt === undefined) return;
    await withDeadline(this.directory.withdraw(this.settings.id), WITHDRAW_TIMEOUT_MS).catch(
      () => undefined,
    );
  }

  private async beatLogged(): Promise<void> {
    // A heartbeat still waiting on a slow Redis is not doubled.
    if (this.beating) return;
    this.beating = this.beat();
    try {
      await this.beating;
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(heartbeatFailed(error));
      this.failing = true;
    } finally {
      this.beating = undefined;
    }
  }

  private async beat(): Promise<void> {
    const sentAt = this.clock.localNow();
    const redisNow = await this.directory.redisTime();
    this.clock.observe(redisNow, sentAt, this.clock.localNow());
    // A heartbeat sent after the withdrawal would bring a stopped instance back for a while.
    if (this.stopped) return;
    const now = Math.floor(redisNow);
    this.startedAt ??= now;
    const { patterns, concurrency, intervalMs, inFlight, lateness } = this.settings;
    await this.directory.announce(
      {
        id: this.settings.id,
        host: hostname(),
        pid: process.pid,
        patterns,
        concurrency,
        inFlight: inFlight(),
        startedAt: this.startedAt,
        lastSeenAt: now,
        ...(lateness && { lateness: lateness() }),
      },
      now + HEARTBEATS_BEFORE_GONE * intervalMs,
    );
  }
}
