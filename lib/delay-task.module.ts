import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CLUSTER_SHARDS, RESOLVED_DELAY_TASK_OPTIONS } from './delay-task.constants';
import {
  DELAY_TASK_MODULE_OPTIONS,
  DelayTaskConfigurableModule,
} from './delay-task.module-definition';
import { DelayTaskOrchestrator } from './delay-task.orchestrator';
import { DelayTaskService } from './delay-task.service';
import { DelayTaskExplorer } from './discovery/delay-task.explorer';
import { HandlerRegistry } from './discovery/handler.registry';
import { TaskEventListenerRegistry } from './discovery/task-event-listener.registry';
import { DelayTaskHealth } from './health/delay-task-health';
import { InstanceDirectory } from './instances/instance-directory';
import { DelayTaskModuleOptions } from './interfaces/delay-task-module-options.interface';
import { RedisConnection } from './redis/redis-connection';
import { ReplicationWait } from './redis/replication-wait';
import { ScriptLibrary } from './store/script-library';
import { TaskKeys } from './store/task-keys';
import { TaskStore } from './store/task-store';
import { DeliveryAborts } from './routing/delivery-aborts';
import { EventRouter } from './routing/event-router';
import { ExpiredEventStream } from './routing/expired-event-stream';
import { TaskEventDispatcher } from './lifecycle/task-event-dispatcher';
import { TaskLifecycleStream } from './lifecycle/task-lifecycle-stream';
import { InstanceIdentity } from './instances/instance-identity';
import { RedisClock } from './scheduler/redis-clock';
import { RecurringExplorer } from './recurring/recurring.explorer';
import { RecurringSeries } from './recurring/recurring-series';
import { SeriesStore } from './recurring/series-store';
import { DueTimeline } from './stats/due-timeline';
import { OverdueInspector } from './stats/overdue-inspector';
import { LatenessHistogram } from './telemetry/lateness-histogram';
import { telemetryProvider } from './telemetry/telemetry.provider';
import {
  ResolvedDelayTaskOptions,
  resolveModuleOptions,
} from './validation/module-options.validation';

/**
 * Delayed tasks on Redis: `@OnKeyExpired` handlers for plain expired keys and
 * for tasks scheduled with `DelayTaskService`.
 *
 * @example
 * ```ts
 * @Module({ imports: [DelayTaskModule.forRoot({ connection: 'redis://127.0.0.1:6379/0' })] })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_DELAY_TASK_OPTIONS,
      useFactory: resolveModuleOptions,
      inject: [DELAY_TASK_MODULE_OPTIONS],
    },
    {
      provide: RedisConnection,
      useFactory: (options: ResolvedDelayTaskOptions) => new RedisConnection(options.connection),
      inject: [RESOLVED_DELAY_TASK_OPTIONS],
    },
    {
      // One library of the Lua scripts, read and registered on the client once for every store.
      provide: ScriptLibrary,
      useFactory: (connection: RedisConnection) => {
        const scripts = new ScriptLibrary();
        scripts.install(connection.client);
        return scripts;
      },
      inject: [RedisConnection],
    },
    {
      provide: TaskStore,
      useFactory: (
        connection: RedisConnection,
        scripts: ScriptLibrary,
        options: ResolvedDelayTaskOptions,
      ) =>
        new TaskStore(
          connection.client,
          scripts,
          new TaskKeys(options.prefix, connection.isCluster ? CLUSTER_SHARDS : 1),
          options.replication ? new ReplicationWait(options.replication) : undefined,
        ),
      inject: [RedisConnection, ScriptLibrary, RESOLVED_DELAY_TASK_OPTIONS],
    },
    {
      provide: InstanceDirectory,
      useFactory: (connection: RedisConnection, options: ResolvedDelayTaskOptions) =>
        new InstanceDirectory(connection.client, options.prefix),
      inject: [RedisConnection, RESOLVED_DELAY_TASK_OPTIONS],
    },
    {
      provide: OverdueInspector,
      useFactory: (connection: RedisConnection, store: TaskStore) =>
        new OverdueInspector(connection.client, store.keys),
      inject: [RedisConnection, TaskStore],
    },
    {
      provide: SeriesStore,
      useFactory: (connection: RedisConnection, scripts: ScriptLibrary, store: TaskStore) =>
        new SeriesStore(connection.client, scripts, store.keys),
      inject: [RedisConnection, ScriptLibrary, TaskStore],
    },
    RecurringSeries,
    RecurringExplorer,
    {
      provide: DueTimeline,
      useFactory: (connection: RedisConnection, store: TaskStore) =>
        new DueTimeline(connection.client, store.keys),
      inject: [RedisConnection, TaskStore],
    },
    { provide: RedisClock, useFactory: () => new RedisClock() },
    { provide: InstanceIdentity, useFactory: () => new InstanceIdentity() },
    { provide: LatenessHistogram, useFactory: () => new LatenessHistogram() },
    telemetryProvider,
    HandlerRegistry,
    TaskEventListenerRegistry,
    DelayTaskExplorer,
    ExpiredEventStream,
    TaskLifecycleStream,
    TaskEventDispatcher,
    DeliveryAborts,
    EventRouter,
    DelayTaskOrchestrator,
    DelayTaskService,
    DelayTaskHealth,
  ],
  // DelayTaskHealth, LatenessHistogram and DueTimeline are for the subpath entry points (terminus,
  // dashboard, metrics exporters): exported to their providers, not from the package root.
  exports: [DelayTaskService, DelayTaskHealth, LatenessHistogram, DueTimeline],
})
export class DelayTaskModule extends DelayTaskConfigurableModule {}

export type { DelayTaskModuleOptions };
