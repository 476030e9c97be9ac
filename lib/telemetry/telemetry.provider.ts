import { FactoryProvider } from '@nestjs/common';
import { RESOLVED_DELAY_TASK_OPTIONS } from '../delay-task.constants';
import { HandlerRegistry } from '../discovery/handler.registry';
import { InstanceIdentity } from '../instances/instance-identity';
import { RedisConnection } from '../redis/redis-connection';
import { OverdueInspector } from '../stats/overdue-inspector';
import { TaskStore } from '../store/task-store';
import { ResolvedDelayTaskOptions } from '../validation/module-options.validation';
import { DelayTaskTelemetry } from './delay-task-telemetry';
import { LatenessHistogram } from './lateness-histogram';

/** Builds the module's telemetry from its options (optional peers are loaded here, if at all). */
export const telemetryProvider: FactoryProvider<DelayTaskTelemetry> = {
  provide: DelayTaskTelemetry,
  useFactory: (
    options: ResolvedDelayTaskOptions,
    connection: RedisConnection,
    store: TaskStore,
    overdue: OverdueInspector,
    lateness: LatenessHistogram,
    identity: InstanceIdentity,
    registry: HandlerRegistry,
  ) =>
    new DelayTaskTelemetry({
      options: options.telemetry,
      lateness,
      store,
      overdue,
      client: connection.client,
      prefix: options.prefix,
      instanceId: identity.id,
      patternOf: (key) => registry.patternOf(key),
    }),
  inject: [
    RESOLVED_DELAY_TASK_OPTIONS,
    RedisConnection,
    TaskStore,
    OverdueInspector,
    LatenessHistogram,
    InstanceIdentity,
    HandlerRegistry,
  ],
};
