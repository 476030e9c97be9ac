import { Logger } from '@nestjs/common';
import { CLAIM_SCAN_LIMIT } from '../delay-task.constants';
import { ExpiredKeySource } from '../interfaces/expired-key-event.interface';
import { isPermissionDenied } from '../redis/permission-denied';
import { ClaimCursor, ClaimedTask, ClaimResult, TaskStore } from '../store/task-store';
import { HandlerSlots, LimitedHandler } from './handler-slots';
import { InFlight } from './in-flight';
import { RedisClock } from './redis-clock';
import { TaskRunner } from './task-runner';

export interface SchedulerSettings {
  /** Patterns of this instance's handlers: the only tasks it claims. */
  patterns: string[];
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  sweepIntervalMs: number;
  /** This instance's id, written into its claims (`list({ state: 'active' })` shows it). */
  owner: string;
}

/** A sequence of claims through one shard's due index, and how far it has looked. */
interface Walk {
  cursor: ClaimCursor | null;
  /**
   * Set once a claim held back a task for a full handler: claims resume here,
   * past the held-back tasks (and unhandled ones among them), while the
   * cursor stays before them; a refill claims them from the cursor when
   * their handler has room (`refill`).
   */
  resume: ClaimCursor | null;
}

/**
 * How far past a due time (ms, on the estimate of Redis' clock) the timer
 * claims: the estimate is good to about half a round trip either way.
 */
const DUE_MARGIN_MS = 0.1;
/** Longest a timer is set for; Node's setTimeout overflows past 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** Dead letter message of a task whose lease ran out on its last attempt. */
const LEASE_EXPIRED_ERROR = 'lease expired: the instance running the task stopped or stalled';

/**
 * Decides *when* to claim: a precise timer on the soonest due task, wake-ups
 * from other instances that scheduled an earlier one, and a periodic recovery
 * sweep behind both (expired leases, missed wake-ups, downtime). It claims only
 * as much as `concurrency` leaves room for, and claims more as deliveries end.
 *
 * NOTE: every trigger ends in the same atomic claim script, so the timer, the
 * sweep and other instances may all race for a task safely.
 */
export class DueTaskScheduler {
  private readonly logger = new Logger('DelayTaskModule');
  private timer?: NodeJS.Timeout;
  private lastStretch?: NodeJS.Immediate;
  private timerDueAt: number | null = null;
  private sweepTimer?: NodeJS.Timeout;
  private draining = false;
  private queuedDrain: ExpiredKeySource | null = null;
  private starvedForCapacity = false;
  private stopped = false;
  /**
   * Room asked for by claims still in flight (shards are claimed concurrently),
   * and then taken by the tasks they claimed until `deliver` counts them as running.
   */
  private reserved = 0;
  /** Shards waiting for room held by claims (in flight, or claimed and not yet delivered) to come back. */
  private claimSettled: Array<() => void> = [];
  /** Most tasks one claim takes while others run or are being claimed (`claimSize`). */
  private readonly batchSize: number;
  /**
   * Per shard, how far claims have looked past due tasks this instance cannot
   * handle (a rolling deploy's new patterns, a removed handler): such a crowd
   * is inspected once, not by every claim.
   */
  private readonly walks: Walk[];
  /**
   * Per shard, a second walk through that crowd, one claim per sweep, from
   * the start to the end and over again: whatever came to sit behind a walk's
   * cursor all the same (a past due time written by an older version of the
   * module, which indexes it as it is) is found within crowd / 1,000 sweeps.
   */
  private readonly patrols: Walk[];
  /** Deliveries started so far. */
  private delivered = 0;
  /** A refill is running; `refillAgain` asks it for another round. */
  private refilling = false;
  private refillAgain = false;

  constructor(
    private readonly store: TaskStore,
    private readonly runner: TaskRunner,
    private readonly clock: RedisClock,
    private readonly deliveries: InFlight,
    private readonly settings: SchedulerSettings,
    /** Per-handler `concurrency`, when a handler has one. */
    private readonly slots?: HandlerSlots,
  ) {
    this.batchSize = Math.max(1, Math.ceil(settings.concurrency / 2));
    this.walks = store.keys.shards.map(() => ({ cursor: null, resume: null }));
    this.patrols = store.keys.shards.map(() => ({ cursor: null, resume: null }));
  }

  /**
   * Claims whatever is due now and arms the timer; resolves once armed. The
   * first sweep fails the start on a refused permission (an ACL without the
   * prefix's keys) rather than warning about it every sweep.
   */
  async start(): Promise<void> {
    await this.sweep(isPermissionDenied);
    this.sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
    clearInterval(this.sweepTimer);
  }

  /** Another instance announced a due time; re-arm if it is sooner than ours. */
  wake(dueAt: number): void {
    if (this.stopped) return;
    if (this.timerDueAt === null || dueAt < this.timerDueAt) this.arm(dueAt);
  }

  /**
   * Pub/Sub dropped messages while disconnected: look for anything due, from
   * the start of the index (the server may have failed over to a replica that
   * had not caught up).
   */
  catchUp(): void {
    for (const walk of this.walks) walk.cursor = walk.resume = null;
    void this.drain('recovery');
  }

  /**
   * Takes over expired leases, then claims anything due (the safety net behind
   * the timer). A failure is logged and retried by the next sweep, unless
   * `fatal` says it cannot get better by itself.
   */
  private async sweep(fatal: (error: unknown) => boolean = () => false): Promise<void> {
    if (this.stopped) return;
    try {
      for (let shard = 0; shard < this.store.keys.shards.length; shard++) {
        const { requeued, dead } = await this.store.recover(
          shard,
          CLAIM_SCAN_LIMIT,
          this.settings.maxAttempts,
          LEASE_EXPIRED_ERROR,
        );
        if (requeued + dead > 0) {
          this.logger.warn(
            `Took over ${requeued} task(s) whose lease ran out; ${dead} had no attempts left.`,
          );
        }
      }
    } catch (error) {
      if (fatal(error)) throw error;
      this.logger.warn(`Recovery sweep failed, will retry: ${String(error)}`);
    }
    // The patrol first: a drain reserves the room in the turn it starts, and may take all of it.
    await Promise.all([this.patrol(), this.drain('recovery')]);
  }

  /** One claim per shard along the patrol's walk, where a crowd this instance cannot handle exists. */
  private async patrol(): Promise<void> {
    await Promise.all(
      this.patrols.map(async (patrol, shard) => {
        // No crowd: every drain looks from the start of the index anyway.
        if (this.walks[shard].cursor === null && this.walks[shard].resume === null) {
          patrol.cursor = null;
          return;
        }
        const room = this.room();
        if (room <= 0 || this.stopped) return;
        try {
          patrol.resume = null;
          const result = await this.claim(shard, room, patrol);
          // Tasks held back for a full handler are the drains' to claim: the patrol moves on.
          if (patrol.resume) patrol.cursor = patrol.resume;
          if (result.exhausted) patrol.cursor = null;
          this.deliver(result.tasks, 'recovery');
        } catch (error) {
          this.logger.warn(`Claiming due tasks failed, the sweep will retry: ${String(error)}`);
        }
      }),
    );
  }

  private arm(dueAt: number | null): void {
    this.disarm();
    this.timerDueAt = dueAt;
    if (dueAt !== null) this.fireAt(dueAt);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    clearImmediate(this.lastStretch);
  }

  /**
   * Claims once Redis' clock has reached `dueAt`, not before: a claim sent
   * early finds nothing and costs a round trip and another timer.
   *
   * NOTE: Node's timers take whole milliseconds and fire by a loop clock that
   * may lag, so one fires up to a millisecond either side of its time. The
   * timer is set to the nearest millisecond, and a stretch left when it fires
   * is waited out a loop turn at a time (half a millisecond on average), so the
   * claim goes out as soon as the task is due, once.
   */
  private fireAt(dueAt: number): void {
    if (this.stopped || this.timerDueAt !== dueAt) return;
    const remainingMs = this.clock.msUntil(dueAt) + DUE_MARGIN_MS;
    if (remainingMs >= 1) {
      const delay = Math.min(Math.round(remainingMs), MAX_TIMER_MS);
      this.timer = setTimeout(() => this.fireAt(dueAt), delay);
    } else if (remainingMs > 0) {
      this.lastStretch = setImmediate(() => this.fireAt(dueAt));
    } else {
      this.timerDueAt = null;
      void this.drain('timer');
    }
  }

  /** A delivery ended: claim more if claiming had stopped for lack of room (the module's or a handler's). */
  private readonly onDeliveryEnd = (task?: ClaimedTask): void => {
    if (task && this.slots) {
      this.slots.release(task);
      if (this.slots.hasWaitingWithRoom()) void this.refill();
    }
    if (this.starvedForCapacity && this.deliveries.size <= this.settings.concurrency / 2) {
      this.starvedForCapacity = false;
      void this.drain('timer');
    }
  };

  /** Claims due tasks on every shard until nothing is due or there is no room; then arms the timer. */
  private async drain(source: ExpiredKeySource): Promise<void> {
    if (this.stopped) return;
    if (this.draining) {
      // One drain at a time; a request during one is served right after it (recovery wins the label).
      this.queuedDrain = this.queuedDrain === 'recovery' ? 'recovery' : source;
      return;
    }
    this.draining = true;
    try {
      // Shards live on different masters of a cluster: claim them all at once.
      const settled = await Promise.allSettled(
        this.store.keys.shards.map((_, shard) => this.drainShard(shard, source)),
      );
      let soonest: number | null = null;
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          this.logger.warn(
            `Claiming due tasks failed, the sweep will retry: ${String(outcome.reason)}`,
          );
        } else if (outcome.value !== null && (soonest === null || outcome.value < soonest)) {
          soonest = outcome.value;
        }
      }
      // When starved, the timer still covers tasks due later; the refill claims what is due now.
      this.arm(soonest);
    } finally {
      this.draining = false;
      const queued = this.queuedDrain;
      this.queuedDrain = null;
      if (queued) void this.drain(queued);
    }
  }

  /**
   * Claims one shard's due tasks in batches (`claimSize`), sharing the
   * instance's room with the other shards' claims.
   *
   * NOTE: where room is left, the next claim is sent before the batch just
   * received is handed to the handlers, so Redis runs one claim while Node
   * starts the previous batch. When there is none (a claim by an idle
   * instance takes it all), one turn of the event loop lets handlers that
   * finish at once (most do) settle before deciding the instance is full.
   */
  private async drainShard(shard: number, source: ExpiredKeySource): Promise<number | null> {
    let soonest: number | null = null;
    const walk = this.walks[shard];
    // Due tasks may be left behind only for lack of room, never once a claim found the shard exhausted.
    let starved = false;
    let pending: Promise<ClaimResult | null> | null = this.claimOnceRoom(shard, walk);
    while (pending) {
      const result = await pending;
      pending = null;
      if (result === null) {
        starved = !this.stopped;
        break;
      }
      if (result.nextDueAt !== null && (soonest === null || result.nextDueAt < soonest)) {
        soonest = result.nextDueAt;
      }
      const more = !result.exhausted && !this.stopped;
      const room = this.room();
      if (more && room > 0) pending = this.claim(shard, room, walk);
      this.deliver(result.tasks, source);
      if (more && !pending) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) break;
        pending = this.claimOnceRoom(shard, walk);
      }
    }
    // Full of running deliveries: the refill (onDeliveryEnd) claims the rest.
    if (starved) {
      this.starvedForCapacity = true;
      this.slots?.markWaiting();
    }
    return soonest;
  }

  /**
   * Claims on `shard` once there is room: while claims in flight (other
   * shards', or their tasks not yet delivered) hold all of it, waits for them,
   * since their replies may give it back. Resolves `null`, claiming nothing,
   * when there is no room and no claim in flight to free any.
   *
   * NOTE: the room is read in the same turn of the event loop as the claim
   * that reserves it: read before an `await`, it would be stale after it,
   * and shards claiming at once would each count the same room.
   */
  private async claimOnceRoom(shard: number, walk: Walk): Promise<ClaimResult | null> {
    for (;;) {
      const room = this.room();
      if (room > 0) return this.claim(shard, room, walk);
      if (this.reserved <= 0 || this.stopped) return null;
      await new Promise<void>((resolve) => this.claimSettled.push(resolve));
    }
  }

  /**
   * Deliveries this instance may still start: `concurrency` minus those
   * running and those being claimed, and no more than its limited handlers
   * have room for when every handler has a limit.
   */
  private room(): number {
    const room = this.settings.concurrency - this.deliveries.size - this.reserved;
    return this.slots ? Math.min(room, this.slots.room()) : room;
  }

  /**
   * Most tasks the next claim takes. While deliveries run or another claim is
   * out, half of `concurrency`, so one batch is claimed while another starts.
   * With neither, all of the room: a claim and its acknowledgement cost Redis
   * about 120 µs besides their tasks (the script calls, the clock, the lease,
   * two requests), as much as some 30 tasks' own work, so an idle instance
   * pays it once for `concurrency` tasks rather than twice.
   */
  private claimSize(room: number): number {
    // Shards claim at once (a Cluster's masters): each takes half of what is left, so the others claim beside it.
    if (this.store.keys.shards.length > 1) return Math.min(this.batchSize, Math.ceil(room / 2));
    const idle = this.deliveries.size === 0 && this.reserved === 0;
    return idle ? this.settings.concurrency : this.batchSize;
  }

  /**
   * Testing (nestjs-delay-task/testing): claims what is due now from the start
   * of every shard, as after a reconnect, once no other drain runs; resolves
   * with how many deliveries it started.
   */
  async claimDueNow(): Promise<number> {
    while (this.draining) await new Promise((resolve) => setImmediate(resolve));
    for (const walk of this.walks) walk.cursor = walk.resume = null;
    const before = this.delivered;
    await this.drain('timer');
    return this.delivered - before;
  }

  /**
   * Claims the tasks held back for handlers that have room again, from each
   * shard's cursor: the drains go on past them, so a crowd waiting for a full
   * handler is not read again by every claim, only as its handler frees room.
   */
  private async refill(): Promise<void> {
    if (this.refilling) {
      this.refillAgain = true;
      return;
    }
    this.refilling = true;
    try {
      do {
        this.refillAgain = false;
        const handlers = this.slots?.takeWaitingWithRoom() ?? [];
        if (handlers.length === 0 || this.stopped) break;
        await Promise.all(
          this.store.keys.shards.map((_, shard) => this.refillShard(shard, handlers)),
        );
      } while (this.refillAgain);
    } catch (error) {
      this.logger.warn(`Claiming due tasks failed, the sweep will retry: ${String(error)}`);
    } finally {
      this.refilling = false;
    }
  }

  /**
   * One shard's refill: a walk of its own from the drains' cursor up to where
   * they resume, until the handlers are full again. It moves the drains'
   * cursor on as far as it finds nothing but unhandled tasks, so the stretch
   * that later refills read shrinks as the held-back tasks are claimed.
   */
  private async refillShard(shard: number, handlers: readonly LimitedHandler[]): Promise<void> {
    const drains = this.walks[shard];
    const startedAt = drains.cursor;
    const walk: Walk = { cursor: startedAt, resume: null };
    for (;;) {
      if (this.stopped || !this.slots) return;
      const result = this.slots.hasRoom(handlers) ? await this.claimOnceRoom(shard, walk) : null;
      if (result === null) {
        // Stopped short: what is left waits for the next room they free.
        this.slots.expect(handlers);
        return;
      }
      // NOTE: only while no drain moved the cursor meanwhile (after a reconnect it starts over).
      if (drains.cursor === startedAt && walk.cursor !== startedAt) {
        drains.cursor = walk.cursor;
      }
      this.deliver(result.tasks, 'timer');
      const reached = walk.resume ?? walk.cursor;
      if (result.exhausted || drains.resume === null || isAtOrPast(reached, drains.resume)) return;
    }
  }

  /** Starts the deliveries of a claim's tasks, which held their room since the claim (`claim`). */
  private deliver(tasks: readonly ClaimedTask[], source: ExpiredKeySource): void {
    this.reserved -= tasks.length;
    this.delivered += tasks.length;
    for (const task of tasks) {
      const onEnd = this.slots ? () => this.onDeliveryEnd(task) : this.onDeliveryEnd;
      this.deliveries.track(this.runner.run(task, source), onEnd);
    }
    if (tasks.length > 0) this.wakeClaimWaiters();
  }

  /**
   * Claims up to one batch from where `walk`'s cursor stands, and moves the
   * cursor on; the room it asks for stays reserved until the reply is in, and
   * that of the tasks it claimed until the caller delivers them. A walk has
   * one claim in flight at a time, so its cursor moves in order.
   */
  private async claim(
    shard: number,
    room: number,
    walk: Walk,
    patterns = this.settings.patterns,
  ): Promise<ClaimResult> {
    const want = Math.min(room, this.claimSize(room));
    this.reserved += want;
    const reservation = this.slots?.reserve(want);
    let result: ClaimResult | undefined;
    try {
      const sentAt = this.clock.localNow();
      const from = walk.resume ?? walk.cursor;
      result = await this.store.claim(
        shard,
        want,
        this.settings.leaseMs,
        from,
        CLAIM_SCAN_LIMIT,
        this.settings.owner,
        patterns,
        reservation?.budgets,
      );
      this.clock.observe(result.redisTimeMs, sentAt, this.clock.localNow());
      // NOTE: past a task held back for a full handler the cursor stays put (the next drain
      // must find that task again); this drain goes on from the last entry the claim inspected.
      if (walk.resume === null) walk.cursor = result.cursor;
      if (result.heldBack || walk.resume !== null) walk.resume = result.resume ?? from;
      return result;
    } finally {
      // NOTE: the claimed tasks keep their room until they are delivered: a claim that settles
      // wakes other shards' claims, which must not count that room as free in the meantime.
      this.reserved -= want - (result?.tasks.length ?? 0);
      if (reservation && this.slots?.settle(reservation, result?.tasks ?? [], !!result?.heldBack)) {
        void this.refill();
      }
      this.wakeClaimWaiters();
    }
  }

  /** The room held by claims changed: shards waiting in `claimOnceRoom` look again. */
  private wakeClaimWaiters(): void {
    const waiters = this.claimSettled;
    this.claimSettled = [];
    waiters.forEach((resolve) => resolve());
  }
}

/** Whether position `a` of a due index is at or past `b`, in Redis' order: by score, then by the member's bytes. */
function isAtOrPast(a: ClaimCursor | null, b: ClaimCursor): boolean {
  if (a === null) return false;
  const byScore = Number(a.score) - Number(b.score);
  if (byScore !== 0) return byScore > 0;
  return Buffer.compare(Buffer.from(a.member), Buffer.from(b.member)) >= 0;
}
