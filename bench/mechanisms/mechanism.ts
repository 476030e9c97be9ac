/**
 * The common shape of the mechanisms under test, so the harness can run
 * every workload against each of them the same way. A mechanism at one
 * setting (BullMQ at worker concurrency 50, say) is one row of the report:
 * results are only ever compared row by row, like with like.
 */

/** The mechanisms, also used on the command line (`--mechanisms=`). */
export const MECHANISM_KINDS = ['floor', 'delay-task', 'keyspace', 'bullmq'] as const;
export type MechanismKind = (typeof MECHANISM_KINDS)[number];

/** How each mechanism is named in tables and the chart. */
const KIND_NAMES: Record<MechanismKind, string> = {
  floor: 'floor',
  'delay-task': 'nestjs-delay-task',
  keyspace: 'keyspace events',
  bullmq: 'BullMQ',
};

/**
 * A mechanism at one setting. `concurrency` is the module's `concurrency`
 * option or BullMQ's worker `concurrency`; the floor and plain keyspace
 * notifications have no such setting and leave it unset.
 */
export interface MechanismRow {
  kind: MechanismKind;
  concurrency?: number;
}

/** "delay-task-x100", "keyspace": the row's id on the command line and in the code. */
export function rowId(row: MechanismRow): string {
  return row.concurrency === undefined ? row.kind : `${row.kind}-x${row.concurrency}`;
}

/** "nestjs-delay-task ×100", "keyspace events": the row's name in tables and the chart. */
export function rowLabel(row: MechanismRow): string {
  const name = KIND_NAMES[row.kind];
  return row.concurrency === undefined
    ? name
    : `${name} ×${row.concurrency.toLocaleString('en-US')}`;
}

/**
 * Tasks per scheduling call, for every mechanism that stores tasks in Redis:
 * the module's `scheduleMany`, BullMQ's `addBulk` and the keyspace pipeline
 * all get 10,000 items at a time, so their scheduling rates compare.
 */
export const SCHEDULE_CHUNK = 10_000;

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
 * run on no other (`Workload.rows`).
 */
export interface ConsumerTuning {
  /** How long each handler run takes: it returns a Promise resolved this many ms after it starts. */
  handlerMs: number;
  /** The module's `leaseMs`. */
  leaseMs: number;
}

/**
 * A connection to one mechanism from one process. Opened with a listener it
 * is a consumer (it runs a handler for due tasks) that can also schedule;
 * opened without one it only schedules and never consumes.
 */
export interface Endpoint {
  /** Schedules the tasks with their absolute due times; resolves once they are all armed. */
  schedule(tasks: readonly BenchTask[]): Promise<void>;
  /** Releases every connection and timer the endpoint opened. */
  close(): Promise<void>;
  /**
   * Tasks waiting to be delivered, due or not, for a mechanism that keeps
   * such a count: lets a case check that tasks no instance handles stay pending.
   */
  pendingCount?(): Promise<number>;
  /** Calls of the module's claim script this process made so far (the module only). */
  claimCalls?(): number;
}

export interface Mechanism {
  readonly kind: MechanismKind;
  /** `rowId` of its row. */
  readonly id: string;
  /** `rowLabel` of its row. */
  readonly label: string;
  readonly concurrency?: number;
  /** Whether the mechanism needs Redis to publish expired-key events (`notify-keyspace-events Ex`). */
  readonly needsKeyspaceEvents: boolean;
  /**
   * Whether scheduling stores the tasks in Redis. The floor keeps them in
   * process timers only, so it has no scheduling rate or memory figure that
   * would compare with those of a durable timer.
   */
  readonly storesTasks: boolean;
  /** The settings this row uses, for the report (one short line). */
  describeSettings(): string;
  /**
   * Opens an endpoint on the Redis at `url`. With `onFire` it resolves only
   * once the consumer is ready to receive (subscribed, worker running, app
   * initialised); `tuning`, when given, sets that consumer up.
   */
  open(url: string, onFire?: FireListener, tuning?: ConsumerTuning): Promise<Endpoint>;
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
