import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { RESOLVED_DELAY_TASK_OPTIONS } from './delay-task.constants';
import { errorMessage, redisPermissionDenied } from './delay-task.messages';
import { DelayTaskExplorer } from './discovery/delay-task.explorer';
import { HandlerRegistry } from './discovery/handler.registry';
import { InvalidOptionsError } from './errors/invalid-options.error';
import { RedisPermissionError } from './errors/redis-permission.error';
import { InstanceDirectory } from './instances/instance-directory';
import { InstanceHeartbeat } from './instances/instance-heartbeat';
import { InstanceIdentity } from './instances/instance-identity';
import { KeyspaceListener, KeyspaceSubscriberStatus } from './keyspace/keyspace-listener';
import { TaskEventDispatcher } from './lifecycle/task-event-dispatcher';
import { TaskLifecycleStream } from './lifecycle/task-lifecycle-stream';
import { checkEvictionPolicy } from './redis/eviction-policy';
import { isPermissionDenied } from './redis/permission-denied';
import { RedisConnection } from './redis/redis-connection';
import { Subscriptions } from './redis/subscriptions.interface';
import { RecurringExplorer } from './recurring/recurring.explorer';
import { RecurringSeries } from './recurring/recurring-series';
import { SeriesOccurrences } from './recurring/series-occurrences';
import { SeriesStore } from './recurring/series-store';
import { TaskStore } from './store/task-store';
import { DeliveryAbortedError } from './errors/delivery-aborted.error';
import { DeliveryAborts } from './routing/delivery-aborts';
import { EventRouter } from './routing/event-router';
import { AckBatcher } from './scheduler/ack-batcher';
import { DueTaskScheduler } from './scheduler/due-task-scheduler';
import { HandlerSlots } from './scheduler/handler-slots';
import { InFlight } from './scheduler/in-flight';
import { LeaseKeeper } from './scheduler/lease-keeper';
import { RedisClock } from './scheduler/redis-clock';
import { TaskRunner } from './scheduler/task-runner';
import { LatenessHistogram } from './telemetry/lateness-histogram';
import { DelayTaskTelemetry } from './telemetry/delay-task-telemetry';
import { ResolvedDelayTaskOptions } from './validation/module-options.validation';

/**
 * Starts and stops the module's moving parts in order. `app.init()` resolves
 * only once Redis is reachable, this instance has announced itself, the
 * keyspace subscription is acknowledged and the scheduler is armed;
 * `app.close()` stops claiming, waits for in-flight handlers (up to
 * `shutdownTimeoutMs`), withdraws the announcement and closes what the
 * module opened.
 */
@Injectable()
export class DelayTaskOrchestrator
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('DelayTaskModule');
  private readonly deliveries = new InFlight();
  private readonly plainEvents = new InFlight();
  private scheduler?: DueTaskScheduler;
  private listener?: KeyspaceListener;
  private leases?: LeaseKeeper;
  private acks?: AckBatcher;
  private heartbeat?: InstanceHeartbeat;

  constructor(
    @Inject(RESOLVED_DELAY_TASK_OPTIONS) private readonly options: ResolvedDelayTaskOptions,
    private readonly explorer: DelayTaskExplorer,
    private readonly registry: HandlerRegistry,
    private readonly connection: RedisConnection,
    private readonly store: TaskStore,
    private readonly router: EventRouter,
    private readonly clock: RedisClock,
    private readonly directory: InstanceDirectory,
    private readonly lifecycle: TaskLifecycleStream,
    private readonly listeners: TaskEventDispatcher,
    private readonly identity: InstanceIdentity,
    private readonly recurringExplorer: RecurringExplorer,
    private readonly recurring: RecurringSeries,
    private readonly seriesStore: SeriesStore,
    private readonly lateness: LatenessHistogram,
    private readonly aborts: DeliveryAborts,
    private readonly telemetry: DelayTaskTelemetry,
  ) {}

  /** The subscriber of plain expired keys, for health checks; `'off'` when the module does not listen for them. */
  keyspaceSubscriber(): KeyspaceSubscriberStatus | 'off' {
    return this.listener?.status ?? 'off';
  }

  /**
   * @internal nestjs-delay-task/testing: claims what is due now on this
   * instance; resolves with how many deliveries it started (0 without handlers).
   */
  claimDueNow(): Promise<number> {
    return this.scheduler?.claimDueNow() ?? Promise.resolve(0);
  }

  /** @internal nestjs-delay-task/testing: resolves once nothing runs here and finished deliveries are acknowledged. */
  async settled(): Promise<void> {
    await Promise.all([this.deliveries.whenIdle(), this.plainEvents.whenIdle()]);
    await this.acks?.flush();
  }

  /** @internal nestjs-delay-task/testing: routes a plain expired key as if Redis had published its expiry. */
  routeExpiredKey(key: string): void {
    if (!this.listener) {
      throw new InvalidOptionsError(
        'expire() routes plain expired keys, which this app does not listen for (keyspaceEvents: false).',
      );
    }
    this.listener.route(Buffer.from(key, 'utf8'));
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      // NOTE: after a failed init Nest runs no shutdown hook (app.close() rethrows the failure
      // first), so what the start opened is closed here; its connections would keep the process alive.
      await this.beforeApplicationShutdown().catch(() => undefined);
      await this.onApplicationShutdown().catch(() => undefined);
      this.telemetry.onApplicationShutdown();
      if (!isPermissionDenied(error)) throw error;
      const { address } = this.connection;
      throw new RedisPermissionError(
        redisPermissionDenied(address, errorMessage(error), this.options.prefix),
      );
    }
  }

  private async start(): Promise<void> {
    // Every @Recurring is validated before anything is written, then declared (idempotent).
    const series = await Promise.all(
      this.recurringExplorer.explore().map((found) => this.recurring.prepareDeclared(found)),
    );
    this.explorer.explore();
    this.listeners.start();
    this.telemetry.countInFlight(() => this.deliveries.size);
    await this.connection.ready();
    for (const declaration of series) await this.recurring.write(declaration);
    await checkEvictionPolicy(this.connection.servers(), this.logger);
    // Every instance announces itself, one that only schedules too (with no patterns).
    this.heartbeat = new InstanceHeartbeat(this.directory, this.clock, {
      id: this.identity.id,
      patterns: this.registry.patterns(),
      concurrency: this.options.concurrency,
      intervalMs: this.options.heartbeatIntervalMs,
      inFlight: () => this.deliveries.size,
      lateness: () => this.lateness.snapshot(),
    });
    await this.heartbeat.start();
    const runsHandlers = this.registry.size > 0;
    const needsSubscriber = this.options.keyspaceEvents || runsHandlers;
    const pubsub = needsSubscriber ? await this.connection.createSubscriptions() : undefined;

    if (pubsub && this.options.keyspaceEvents) {
      this.listener = new KeyspaceListener(
        this.connection,
        pubsub,
        this.store.keys,
        this.router,
        this.clock,
        this.plainEvents,
        this.identity.id,
        this.telemetry,
      );
      await this.listener.start();
    }
    // An instance without handlers only schedules: it never claims (DESIGN: "Who claims").
    if (pubsub && runsHandlers) await this.startScheduler(pubsub);
  }

  private async startScheduler(pubsub: Subscriptions): Promise<void> {
    const { options } = this;
    this.leases = new LeaseKeeper(this.store, options.leaseMs);
    this.acks = new AckBatcher(this.store, this.leases);
    const runner = new TaskRunner(
      this.store,
      this.router,
      this.clock,
      this.leases,
      this.acks,
      this.registry,
      this.lifecycle,
      {
        db: this.connection.db,
        maxAttempts: options.maxAttempts,
        backoff: options.backoff,
        telemetry: this.telemetry.deliveries,
      },
      new SeriesOccurrences(this.seriesStore, this.clock, this.leases),
      this.aborts,
    );
    const slots = new HandlerSlots(this.registry.all());
    const scheduler = new DueTaskScheduler(
      this.store,
      runner,
      this.clock,
      this.deliveries,
      {
        patterns: this.registry.patterns(),
        concurrency: options.concurrency,
        leaseMs: options.leaseMs,
        maxAttempts: options.maxAttempts,
        sweepIntervalMs: options.sweepIntervalMs,
        owner: this.identity.id,
      },
      slots.active ? slots : undefined,
    );
    this.scheduler = scheduler;
    await pubsub.subscribe(this.store.keys.wakeChannel, (_channel, message) =>
      scheduler.wake(Number(message)),
    );
    await pubsub.subscribe(this.store.keys.abortChannel, (_channel, message) =>
      this.aborts.abortClaim(message.toString('utf8')),
    );
    pubsub.onReconnect(() => scheduler.catchUp());
    this.leases.start();
    await scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.scheduler?.stop();
    this.listener?.stop();
    const timeout = this.options.shutdownTimeoutMs;
    const [deliveriesDone, plainDone] = await Promise.all([
      this.deliveries.idle(timeout),
      this.plainEvents.idle(timeout),
    ]);
    if (!deliveriesDone || !plainDone) {
      this.logger.warn(
        `Shutting down with ${this.deliveries.size + this.plainEvents.size} handler(s) still running after ` +
          `${timeout} ms; their signals are aborted, and their scheduled tasks will be re-delivered after their lease.`,
      );
      this.aborts.abortAll(
        new DeliveryAbortedError(
          'shutdown',
          `The app is shutting down and stopped waiting after shutdownTimeoutMs (${timeout} ms).`,
        ),
      );
    }
    await this.acks?.flush();
    this.acks?.close();
    this.leases?.stop();
    await this.heartbeat?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
