/**
 * The common shape of the three mechanisms under test, so the harness can run
 * every workload against each of them the same way.
 */

/** Stable identifiers, also used on the command line (`--mechanisms=`). */
export const MECHANISM_IDS = ['delay-task', 'keyspace', 'bullmq'] as const;
export type MechanismId = (typeof MECHANISM_IDS)[number];

/**
 * One delayed task as the harness sees it. It carries no payload: the key
 * alone identifies it, so memory figures are those of the mechanism itself.
 */
export interface BenchTask {
  /** Position in the workload; the key encodes it so any handler can report it. */
  index: number;
  key: string;
  /** Intended due time, integer epoch milliseconds on the local clock. */
  dueAt: number;
}

/** Called by a handler the moment it runs: the task's index and the bench clock's time. */
export type FireListener = (index: number, firedAt: number) => void;

/**
 * A consumer set up unlike the run's settings, for a workload about slow
 * handlers. Only the module's mechanism takes it: the workloads that set it
 * run on no other (`Workload.restrictedTo`).
 */
export interface ConsumerTuning {
  /** How long each handler run takes: it returns a Promise resolved this many ms after it starts. */
  handlerMs: number;
  /** The module's `leaseMs`. */
  leaseMs: number;
  /** The module's `concurrency`, in place of `--delay-task-concurrency`. */
  concurrency: number;
}

/**
 * A connection to one mechanism from one process. Opened with a listener it
 * is a consumer (it runs a handler for due tasks) that can also schedule;
 * opened without one it only schedules and never consumes.
 */
export interface Endpoint {
  /** Schedules the tasks with their absolute due times; resolves once Redis holds them all. */
  schedule(tasks: readonly BenchTask[]): Promise<void>;
  /** Releases every connection and timer the endpoint opened. */
  close(): Promise<void>;
  /**
   * Tasks waiting to be delivered, due or not, for a mechanism that keeps
   * such a count: lets a case check that tasks no instance handles stay pending.
   */
  pendingCount?(): Promise<number>;
}

export interface Mechanism {
  readonly id: MechanismId;
  /** Human-readable name for tables and the chart. */
  readonly label: string;
  /** Whether the mechanism needs Redis to publish expired-key events (`notify-keyspace-events Ex`). */
  readonly needsKeyspaceEvents: boolean;
  /** The settings this run uses, for the report (one short line). */
  describeSettings(): string;
  /**
   * Opens an endpoint on the Redis at `url`. With `onFire` it resolves only
   * once the consumer is ready to receive (subscribed, worker running, app
   * initialised); `tuning`, when given, sets that consumer up.
   */
  open(url: string, onFire?: FireListener, tuning?: ConsumerTuning): Promise<Endpoint>;
}

/** Tunables the command line can set, passed to every process that opens an endpoint. */
export interface MechanismSettings {
  /** `concurrency` option of the module (handlers in flight per instance). */
  delayTaskConcurrency: number;
  /** BullMQ worker concurrency. */
  bullmqConcurrency: number;
}

const KEY_PREFIX = 'bench:';

/** Key of the task at `index`; every mechanism routes on the `bench:*` pattern. */
export function taskKey(index: number): string {
  return `${KEY_PREFIX}${index}`;
}

/** Index encoded in a task key, or -1 for a key that is not a bench task. */
export function taskIndex(key: string): number {
  if (!key.startsWith(KEY_PREFIX)) return -1;
  const index = Number(key.slice(KEY_PREFIX.length));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}
