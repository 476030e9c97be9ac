import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { EXCLUSIVE_WINDOW_MS } from '../delay-task.constants';
import {
  errorMessage,
  keyeventChannelRefused,
  keyspaceFlagsMerged,
  keyspaceFlagsUnavailable,
} from '../delay-task.messages';
import { isPermissionDenied } from '../redis/permission-denied';
import { RedisConnection } from '../redis/redis-connection';
import { Subscriptions } from '../redis/subscriptions.interface';
import { TaskKeys } from '../store/task-keys';
import { EventRouter } from '../routing/event-router';
import { InFlight } from '../scheduler/in-flight';
import { RedisClock } from '../scheduler/redis-clock';
import { DelayTaskTelemetry } from '../telemetry/delay-task-telemetry';
import { ensureKeyspaceFlags } from './keyspace-flags';

/**
 * The subscriber of plain expired keys, as a health check sees it: up, down
 * (expired events published meanwhile are lost), or never subscribed because
 * an ACL refused the channel (already logged at start).
 */
export type KeyspaceSubscriberStatus = 'connected' | 'disconnected' | 'refused';

/**
 * The source of plain expired keys: listens on `__keyevent@<db>__:expired`,
 * makes sure Redis publishes expirations, and hands each key to the router.
 */
export class KeyspaceListener {
  private readonly logger = new Logger('DelayTaskModule');
  private stopped = false;
  private refused = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly pubsub: Subscriptions,
    private readonly keys: TaskKeys,
    private readonly router: EventRouter,
    private readonly clock: RedisClock,
    private readonly inFlight: InFlight,
    /** Written into the exclusive locks this instance takes (`InstanceIdentity`). */
    private readonly instanceId: string,
    private readonly telemetry: DelayTaskTelemetry,
  ) {}

  /**
   * Resolves once the subscription is acknowledged and the flags are checked,
   * on every master of a cluster; or, when an ACL refuses the channel, once
   * that is logged: plain expired keys are then not delivered, and nothing
   * else changes (as when CONFIG is refused, scheduled tasks do not need them).
   */
  async start(): Promise<void> {
    const channel = `__keyevent@${this.connection.db}__:expired`;
    try {
      await this.pubsub.psubscribe(channel, (_channel, key) => this.route(key));
    } catch (error) {
      if (!isPermissionDenied(error)) throw error;
      this.refused = true;
      this.logger.warn(
        keyeventChannelRefused(this.connection.address, channel, errorMessage(error)),
      );
      // Not listening: the flags would be asked for (and a server-wide setting changed) for nothing.
      return;
    }
    // CONFIG SET survives neither a restart nor a failover: re-applied on every (re)connected server.
    await this.pubsub.forEachServer((client, address) => this.applyFlags(client, address));
    this.telemetry.listeningForKeyspaceEvents(true);
  }

  stop(): void {
    this.stopped = true;
    this.telemetry.listeningForKeyspaceEvents(false);
  }

  get status(): KeyspaceSubscriberStatus {
    if (this.refused) return 'refused';
    return this.pubsub.connected ? 'connected' : 'disconnected';
  }

  private async applyFlags(client: Redis, address: string): Promise<void> {
    const outcome = await ensureKeyspaceFlags(client);
    if (outcome.kind === 'merged') {
      this.logger.log(keyspaceFlagsMerged(address, outcome.before, outcome.after));
    } else if (outcome.kind === 'refused') {
      this.logger.warn(keyspaceFlagsUnavailable(address, outcome.reason));
    }
  }

  /**
   * Routes one expired key as Redis' event would (nestjs-delay-task/testing
   * calls it directly); tracked until its handlers settle.
   */
  route(key: Buffer): void {
    if (this.stopped) return;
    // The module's own keys (exclusive-handling locks, keyspace probes) expire too; they are not the user's events.
    if (this.keys.isOwnKey(key)) return this.telemetry.ownKeyExpired(key);
    const event = {
      key: key.toString('utf8'),
      scheduled: false,
      firedAt: this.clock.now(),
      attempt: 1,
      source: 'keyspace' as const,
      db: this.connection.db,
    };
    this.telemetry.plainKeyExpired(event.key);
    this.inFlight.track(this.router.routePlain(event, key, () => this.acquireExclusive(key)));
  }

  /** Whether this instance won the right to handle this expiry of `key` (one winner per window). */
  private async acquireExclusive(key: Buffer): Promise<boolean> {
    try {
      const reply = await this.connection.client.set(
        this.keys.exclusiveLock(key),
        this.instanceId,
        'PX',
        EXCLUSIVE_WINDOW_MS,
        'NX',
      );
      return reply === 'OK';
    } catch (error) {
      this.logger.warn(
        `Could not take the exclusive lock for "${key.toString()}": ${String(error)}`,
      );
      return false;
    }
  }
}
