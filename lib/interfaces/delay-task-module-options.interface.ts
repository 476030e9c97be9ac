import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { BackoffOption } from './backoff.interface';
import { MetricsOptions } from './telemetry-options.interface';

/** Nodes (and options) of a Redis Cluster for a client the module creates and owns. */
export interface ClusterConnection {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

/**
 * Where Redis is: a `redis://` URL, ioredis options (sentinels too), cluster
 * nodes, or an ioredis `Redis`/`Cluster` instance. An instance passed in is
 * used as it is (connected or not) and never closed by the module; everything
 * the module creates itself it closes on `app.close()`.
 */
export type DelayTaskConnection = string | RedisOptions | ClusterConnection | Redis | Cluster;

/**
 * Opt-in wait for replicas after scheduling: `schedule` and `scheduleMany`
 * resolve only once `replicas` replicas of each master written to have the
 * tasks (Redis `WAIT`), and reject with `ReplicationTimeoutError` when fewer
 * did within `timeoutMs` (the tasks are written all the same).
 */
export interface ReplicationOptions {
  /** Replicas that must acknowledge each write; at least 1. */
  replicas: number;
  /**
   * How long to wait for them, in ms; at least 1 (`WAIT`'s 0 would mean forever).
   * The connection that wrote is busy meanwhile, so keep it short.
   */
  timeoutMs: number;
}

/** Options of `DelayTaskModule.forRoot` / `forRootAsync`. */
export interface DelayTaskModuleOptions {
  /** Where Redis is. */
  connection: DelayTaskConnection;
  /**
   * Namespace of the module's own keys: every key it writes starts with `<prefix>:`.
   * @default 'dt'
   */
  prefix?: string;
  /**
   * Scheduled-task handlers in flight per instance; an instance never claims more.
   * @default 100
   */
  concurrency?: number;
  /**
   * Deliveries of a scheduled task before it is dead-lettered.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Delay before retrying a failed delivery.
   * @default { type: 'exponential', delay: 1000 }
   */
  backoff?: BackoffOption;
  /**
   * How long a claimed task may run without its lease being renewed before
   * another instance may take it over. Leases are renewed while handlers run,
   * so this bounds how long a task waits after its instance died.
   * @default 30000
   */
  leaseMs?: number;
  /**
   * How long `app.close()` waits for in-flight handlers; unfinished tasks are
   * re-delivered later, never lost.
   * @default 10000
   */
  shutdownTimeoutMs?: number;
  /**
   * Subscribe to plain expired keys (and turn on `notify-keyspace-events Ex`).
   * @default true
   */
  keyspaceEvents?: boolean;
  /**
   * Largest payload accepted, in bytes of its JSON.
   * @default 1048576 (1 MiB)
   */
  maxPayloadBytes?: number;
  /**
   * How often the recovery sweep looks for overdue tasks and expired leases.
   * It is the safety net behind the timer, which fires on time on its own.
   * @default 1000
   */
  sweepIntervalMs?: number;
  /**
   * How often this instance writes its heartbeat (`DelayTaskService.instances()`).
   * An instance whose heartbeat is three periods old counts as gone: one
   * killed without a shutdown drops out of `instances()` within that.
   * @default 5000
   */
  heartbeatIntervalMs?: number;
  /**
   * Make `schedule`/`scheduleMany` wait until this many replicas acknowledged
   * the write (see `ReplicationOptions`). Without it a write is acknowledged by
   * the master alone, and Redis replicates asynchronously.
   * @default undefined (no waiting)
   */
  replication?: ReplicationOptions;
  /**
   * Metrics (docs/telemetry.md): through prom-client when `prometheus` is set,
   * through the OpenTelemetry metrics API when `@opentelemetry/api` is
   * installed; `false` turns both off. Deliveries' lateness is counted in
   * process either way (the dashboard reads it).
   * @default { prometheus: false, openTelemetry: 'auto' }
   */
  metrics?: MetricsOptions | false;
  /**
   * Tracing through `@opentelemetry/api`: `schedule` stores the active trace
   * context with the task and each delivery runs in a CONSUMER span linked to
   * it. `false` turns it off; `true` binds to the API even before an SDK is
   * registered (a missing `@opentelemetry/api` is a bootstrap error).
   * @default on when `@opentelemetry/api` is installed and a `TracerProvider`
   * is registered by the time the app is created
   */
  tracing?: boolean;
}
