/**
 * The workloads of issue 4, the hardening issue and the engine issue, and the
 * scaled-down variants `--quick` runs. A workload says what is scheduled, in
 * what kind of database, and on which rows (mechanism at a setting) it runs;
 * what it leaves out, and why, the report says.
 */
import { MechanismKind, MechanismRow, rowId } from './mechanisms/mechanism';
import type { ConsumerTuning, Mechanism } from './mechanisms/mechanism';
import { atDefaultConcurrency, MODULE_DEFAULT_ROW, STANDARD_ROWS } from './mechanisms/rows';

export type WorkloadKind =
  /** Tasks due over a window: lateness and delivery. */
  | 'timing'
  /** Every task due at the same instant: drain throughput. */
  | 'burst'
  /** Every task due at the same instant, handlers slow: many deliveries in flight, their leases renewed. */
  | 'in-flight';

/** Which of the issues' workloads it is, whatever its scale and Redis settings: targets pick workloads by it. */
export type WorkloadFamily =
  /** 1k tasks over 5 s: light load. */
  | 'light-stream'
  /** 10k tasks over 10 s. */
  | 'stream'
  /** The light stream beside 1M unrelated volatile keys. */
  | 'volatile-crowd'
  /** The light stream beside 500k overdue tasks no instance handles. */
  | 'unhandled-crowd'
  /** The light stream falling due while a 100k burst drains on the same instance. */
  | 'stream-beside-burst'
  /** 100k tasks due at one instant. */
  | 'burst'
  /** 10k slow handlers in flight at once. */
  | 'in-flight';

export interface Workload {
  /** Stable identifier (`--only=`). */
  id: string;
  /** Short description for the table and the chart. */
  title: string;
  kind: WorkloadKind;
  family: WorkloadFamily;
  /** The tasks whose lateness is the workload's figure. */
  tasks: number;
  /** Due times are spread evenly over this window; 0 makes them all due at once. */
  spreadMs: number;
  /**
   * Tasks all due at the first due time, scheduled with the others and
   * handled by the same consumer: a burst the stream falls due behind. Their
   * drain is reported beside the stream's lateness. 0 for none.
   */
  besideBurst: number;
  /** Redis `hz` for the case (`CONFIG SET hz`); 10 is Redis' default. */
  hz: number;
  /** Unrelated keys with a one-hour TTL loaded before the case. */
  volatileKeys: number;
  /** Overdue scheduled tasks no running instance handles (`orphan:<i>`), loaded before the case. */
  unhandledTasks: number;
  /** Consumer processes; 0 runs the consumer inside the bench process. */
  instances: number;
  /** How long after the last due time the bench keeps waiting for missing deliveries. */
  waitMs: number;
  /** The consumer's handler time and lease, when they differ from the module's defaults. */
  tuning?: ConsumerTuning;
  /** The rows the workload runs on, in report order. */
  rows: readonly MechanismRow[];
  /** Why the workload runs on `rows` rather than on every standard row; unset when it does. */
  rowsReason?: string;
  /** Mechanisms whose cases of this workload run in the first run only, and why. */
  firstRunOnly?: { kinds: readonly MechanismKind[]; reason: string };
  /** Workload whose figures of the same run this one's are judged against. */
  baselineId?: string;
}

/** Whether the harness runs `workload` on `mechanism`'s row. */
export function runsOn(workload: Workload, mechanism: Mechanism): boolean {
  return workload.rows.some((row) => rowId(row) === mechanism.id);
}

/** Whether `mechanism`'s case of `workload` runs in run number `run` (from 1). */
export function runsInRun(workload: Workload, mechanism: Mechanism, run: number): boolean {
  return run === 1 || !workload.firstRunOnly?.kinds.includes(mechanism.kind);
}

/** Tasks the case schedules and expects delivered: the stream and the burst beside it. */
export function handledTasks(workload: Workload): number {
  return workload.tasks + workload.besideBurst;
}

/** 1000 → "1k", 1000000 → "1M": compact counts for titles. */
export function compactCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

interface Scale {
  small: number;
  smallSpreadMs: number;
  medium: number;
  mediumSpreadMs: number;
  burst: number;
  volatile: number;
  waitMs: number;
  /** NOTE: plain keyspace events beside many volatile keys mostly never arrive; the wait is bounded. */
  volatileWaitMs: number;
  warmupTasks: number;
  warmupBurst: number;
  /** Unhandled overdue tasks beside the small timing stream. */
  unhandled: number;
}

const FULL: Scale = {
  small: 1_000,
  smallSpreadMs: 5_000,
  medium: 10_000,
  mediumSpreadMs: 10_000,
  burst: 100_000,
  volatile: 1_000_000,
  waitMs: 30_000,
  // Long enough to show that they mostly never arrive, not to wait for the few that do.
  volatileWaitMs: 10_000,
  warmupTasks: 500,
  warmupBurst: 10_000,
  unhandled: 500_000,
};

const QUICK: Scale = {
  small: 200,
  smallSpreadMs: 1_000,
  medium: 2_000,
  mediumSpreadMs: 2_000,
  burst: 10_000,
  volatile: 100_000,
  waitMs: 5_000,
  volatileWaitMs: 3_000,
  warmupTasks: 200,
  warmupBurst: 2_000,
  unhandled: 50_000,
};

/**
 * The slow-handler case, the same in both modes: it is about a Lua script's
 * unpack limit (~8,000 values), so fewer tasks in flight would not reach it,
 * and a handler of three leases makes every lease need renewing while it runs.
 */
const IN_FLIGHT_TASKS = 10_000;
const IN_FLIGHT_TUNING: ConsumerTuning = { handlerMs: 3_000, leaseMs: 1_000 };
/** Room for every task at once, so all of them are in flight together: a row of its own. */
const IN_FLIGHT_ROW: MechanismRow = { kind: 'delay-task', concurrency: 20_000 };

/** Every standard row but the floor, which stores nothing: a burst or a crowd of tasks would measure Node's timers, not a Redis timer. */
const DURABLE_ROWS = STANDARD_ROWS.filter((row) => row.kind !== 'floor');

/** BullMQ drains bursts at a fraction of the others' rate, which makes its burst cases the longest of the run. */
const BULLMQ_BURSTS_ONCE: Workload['firstRunOnly'] = {
  kinds: ['bullmq'],
  reason:
    "BullMQ's burst cases are the longest of the run (it drains a fraction as fast as the others and schedules slower), so they run in the first run only, to keep the full run under 20 minutes",
};

/**
 * Choices behind what runs that no single workload's rows show: mostly the
 * trims that keep the full run under 20 minutes on 2 cores with every
 * mechanism at every setting.
 */
export const PLAN_NOTES: readonly string[] = [
  'Redis `hz` 100 runs for the light stream only: `hz` sets how often Redis expires keys and times out blocked clients, which plain keyspace notifications and BullMQ wait on; the module and the floor arm timers of their own. The 10k stream, the bursts and the volatile keys at `hz` 100 told nothing the light stream at `hz` 100 does not.',
  'The floor runs every timing workload, the one beside the volatile keys included (they are not its tasks, and its lateness there is the reference for the module): none with a burst or unhandled tasks, which it has no notion of.',
  'Keyspace notifications beside the volatile keys are waited for 10 s after the last due time, no longer: they mostly never arrive, and the earlier 30 s only lengthened the run.',
];

/**
 * Short untimed rounds per mechanism before the measured cases, so the first
 * measured case does not pay for cold JIT, script loading and connection
 * setup: a few tasks handled in the bench process and, when `instances` > 0,
 * a small burst drained by that many consumer processes (the ones the burst
 * cases reuse).
 */
export function warmupWorkloads(quick: boolean, instances: number): Workload[] {
  const s = quick ? QUICK : FULL;
  const warmup = (tasks: number, consumers: number): Workload => ({
    id: `warm-up-x${consumers}`,
    title: 'warm-up',
    kind: consumers ? 'burst' : 'timing',
    family: consumers ? 'burst' : 'light-stream',
    tasks,
    spreadMs: consumers ? 0 : 200,
    besideBurst: 0,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances: consumers,
    waitMs: 5_000,
    // The harness warms up one row of each mechanism, whichever the run has.
    rows: STANDARD_ROWS,
  });
  return instances > 0
    ? [warmup(s.warmupTasks, 0), warmup(s.warmupBurst, instances)]
    : [warmup(s.warmupTasks, 0)];
}

export function buildWorkloads(quick: boolean): Workload[] {
  const s = quick ? QUICK : FULL;
  const streamTitle = (n: number, spreadMs: number) =>
    `${compactCount(n)} over ${spreadMs / 1000} s`;
  const streamId = (n: number, spreadMs: number) => `${compactCount(n)}-${spreadMs / 1000}s`;
  /** A timing stream, alone or beside a crowd of unrelated volatile keys or of unhandled tasks. */
  const timing = (
    family: WorkloadFamily,
    n: number,
    spreadMs: number,
    hz: number,
    crowd: { volatileKeys?: number; unhandledTasks?: number } = {},
  ): Workload => {
    const { volatileKeys = 0, unhandledTasks = 0 } = crowd;
    const beside = volatileKeys
      ? `${compactCount(volatileKeys)} volatile`
      : unhandledTasks
        ? `${compactCount(unhandledTasks)} unhandled`
        : '';
    return {
      id: `${streamId(n, spreadMs)}${beside ? `-${beside.replace(' ', '-')}` : ''}-hz${hz}`,
      title: `${streamTitle(n, spreadMs)}${beside ? ` + ${beside}` : ''}, hz ${hz}`,
      kind: 'timing',
      family,
      tasks: n,
      spreadMs,
      besideBurst: 0,
      hz,
      volatileKeys,
      unhandledTasks,
      instances: 0,
      waitMs: volatileKeys ? s.volatileWaitMs : s.waitMs,
      rows: STANDARD_ROWS,
    };
  };
  const lightStream = (hz: number) => timing('light-stream', s.small, s.smallSpreadMs, hz);
  const lightStreamAtHz100 = (): Workload => ({
    ...lightStream(100),
    rows: STANDARD_ROWS.filter(atDefaultConcurrency),
    rowsReason:
      'at this load concurrency changes nothing, so one row per mechanism (the default concurrency) shows what `hz` 100 changes',
  });
  const burst = (instances: number): Workload => ({
    id: `burst-${compactCount(s.burst)}-x${instances}-hz10`,
    title: `burst ${compactCount(s.burst)}, ${instances} instance${instances > 1 ? 's' : ''}, hz 10`,
    kind: 'burst',
    family: 'burst',
    tasks: s.burst,
    spreadMs: 0,
    besideBurst: 0,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances,
    waitMs: s.waitMs,
    rows: DURABLE_ROWS,
    rowsReason: 'the floor stores nothing, so it has no burst to drain',
    firstRunOnly: BULLMQ_BURSTS_ONCE,
  });
  /** The light stream due from the instant a burst is, on the instance draining it. */
  const streamBesideBurst = (): Workload => ({
    id: `${streamId(s.small, s.smallSpreadMs)}-beside-burst-${compactCount(s.burst)}-hz10`,
    title: `${streamTitle(s.small, s.smallSpreadMs)} beside a ${compactCount(s.burst)} burst, hz 10`,
    kind: 'timing',
    family: 'stream-beside-burst',
    tasks: s.small,
    spreadMs: s.smallSpreadMs,
    besideBurst: s.burst,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    // One consumer process, like the bursts: the bench process only schedules.
    instances: 1,
    waitMs: s.waitMs,
    rows: DURABLE_ROWS,
    rowsReason: 'the floor stores nothing, so it has no burst to drain',
    firstRunOnly: BULLMQ_BURSTS_ONCE,
  });
  /** The small timing stream beside tasks no instance handles, judged against the same stream alone. */
  const besideUnhandled = (): Workload => ({
    ...timing('unhandled-crowd', s.small, s.smallSpreadMs, 10, { unhandledTasks: s.unhandled }),
    rows: [MODULE_DEFAULT_ROW],
    rowsReason:
      'plain keyspace notifications and BullMQ have no notion of a task no instance handles; the default concurrency, since the crowd is about what claims pass over, not how many run',
    baselineId: lightStream(10).id,
  });
  const inFlight = (): Workload => ({
    id: `in-flight-${compactCount(IN_FLIGHT_TASKS)}-handler${IN_FLIGHT_TUNING.handlerMs / 1000}s-lease${IN_FLIGHT_TUNING.leaseMs / 1000}s-hz10`,
    title: `${compactCount(IN_FLIGHT_TASKS)} in flight, ${IN_FLIGHT_TUNING.handlerMs / 1000} s handlers, lease ${IN_FLIGHT_TUNING.leaseMs / 1000} s, hz 10`,
    kind: 'in-flight',
    family: 'in-flight',
    tasks: IN_FLIGHT_TASKS,
    spreadMs: 0,
    besideBurst: 0,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances: 0,
    waitMs: s.waitMs,
    tuning: IN_FLIGHT_TUNING,
    rows: [IN_FLIGHT_ROW],
    rowsReason:
      "it measures the renewal of the module's own leases, with room for every task in flight at once",
  });
  return [
    lightStream(10),
    lightStreamAtHz100(),
    timing('stream', s.medium, s.mediumSpreadMs, 10),
    timing('volatile-crowd', s.small, s.smallSpreadMs, 10, { volatileKeys: s.volatile }),
    burst(1),
    burst(2),
    streamBesideBurst(),
    besideUnhandled(),
    inFlight(),
  ];
}
