/**
 * The workloads of issue 4 and of the hardening issue, and the scaled-down
 * variants `--quick` runs. A workload says what is scheduled and in what kind
 * of database; the mechanism running it is chosen by the harness, among
 * those the workload applies to.
 */
import type { ConsumerTuning, MechanismId } from './mechanisms/mechanism';

export type WorkloadKind =
  /** Tasks due over a window: lateness and delivery. */
  | 'timing'
  /** Every task due at the same instant: drain throughput. */
  | 'burst'
  /** Every task due at the same instant, handlers slow: many deliveries in flight, their leases renewed. */
  | 'in-flight';

export interface Workload {
  /** Stable identifier (`--only=`). */
  id: string;
  /** Short description for the table and the chart. */
  title: string;
  kind: WorkloadKind;
  tasks: number;
  /** Due times are spread evenly over this window; 0 makes them all due at once. */
  spreadMs: number;
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
  /** The consumer's handler time and module settings, when they differ from the run's. */
  tuning?: ConsumerTuning;
  /** The mechanisms the workload runs on, when not every one, and why the others are left out. */
  restrictedTo?: { mechanisms: readonly MechanismId[]; reason: string };
  /** Workload whose figures of the same run this one's are judged against. */
  baselineId?: string;
}

/** Whether the harness runs `workload` on `mechanism`. */
export function runsOn(workload: Workload, mechanism: MechanismId): boolean {
  return workload.restrictedTo?.mechanisms.includes(mechanism) ?? true;
}

/** The two `hz` settings every workload runs at: Redis' default and 100. */
const HZ_SETTINGS = [10, 100] as const;

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
  volatileWaitMs: 30_000,
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
const IN_FLIGHT_TUNING: ConsumerTuning = {
  handlerMs: 3_000,
  leaseMs: 1_000,
  // Room for every task at once, so all of them are in flight together.
  concurrency: 20_000,
};

const MODULE_ONLY: readonly MechanismId[] = ['delay-task'];

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
    tasks,
    spreadMs: consumers ? 0 : 200,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances: consumers,
    waitMs: 5_000,
  });
  return instances > 0
    ? [warmup(s.warmupTasks, 0), warmup(s.warmupBurst, instances)]
    : [warmup(s.warmupTasks, 0)];
}

export function buildWorkloads(quick: boolean): Workload[] {
  const s = quick ? QUICK : FULL;
  /** A timing stream, alone or beside a crowd of unrelated volatile keys or of unhandled tasks. */
  const timing = (
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
      id: `${compactCount(n)}-${spreadMs / 1000}s${beside ? `-${beside.replace(' ', '-')}` : ''}-hz${hz}`,
      title: `${compactCount(n)} over ${spreadMs / 1000} s${beside ? ` + ${beside}` : ''}, hz ${hz}`,
      kind: 'timing',
      tasks: n,
      spreadMs,
      hz,
      volatileKeys,
      unhandledTasks,
      instances: 0,
      waitMs: volatileKeys ? s.volatileWaitMs : s.waitMs,
    };
  };
  const burst = (instances: number, hz: number): Workload => ({
    id: `burst-${compactCount(s.burst)}-x${instances}-hz${hz}`,
    title: `burst ${compactCount(s.burst)}, ${instances} instance${instances > 1 ? 's' : ''}, hz ${hz}`,
    kind: 'burst',
    tasks: s.burst,
    spreadMs: 0,
    hz,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances,
    waitMs: s.waitMs,
  });
  /** The small timing stream beside tasks no instance handles, judged against the same stream alone. */
  const besideUnhandled = (): Workload => ({
    ...timing(s.small, s.smallSpreadMs, 10, { unhandledTasks: s.unhandled }),
    restrictedTo: {
      mechanisms: MODULE_ONLY,
      reason:
        'plain keyspace notifications and BullMQ have no notion of a task no instance handles',
    },
    baselineId: timing(s.small, s.smallSpreadMs, 10).id,
  });
  const inFlight = (): Workload => ({
    id: `in-flight-${compactCount(IN_FLIGHT_TASKS)}-handler${IN_FLIGHT_TUNING.handlerMs / 1000}s-lease${IN_FLIGHT_TUNING.leaseMs / 1000}s-hz10`,
    title: `${compactCount(IN_FLIGHT_TASKS)} in flight, ${IN_FLIGHT_TUNING.handlerMs / 1000} s handlers, lease ${IN_FLIGHT_TUNING.leaseMs / 1000} s, hz 10`,
    kind: 'in-flight',
    tasks: IN_FLIGHT_TASKS,
    spreadMs: 0,
    hz: 10,
    volatileKeys: 0,
    unhandledTasks: 0,
    instances: 0,
    waitMs: s.waitMs,
    tuning: IN_FLIGHT_TUNING,
    restrictedTo: {
      mechanisms: MODULE_ONLY,
      reason: "it measures the renewal of the module's own leases",
    },
  });
  const atEveryHz = (make: (hz: number) => Workload) => HZ_SETTINGS.map(make);
  return [
    ...atEveryHz((hz) => timing(s.small, s.smallSpreadMs, hz)),
    ...atEveryHz((hz) => timing(s.medium, s.mediumSpreadMs, hz)),
    ...atEveryHz((hz) => burst(1, hz)),
    ...atEveryHz((hz) => burst(2, hz)),
    ...atEveryHz((hz) => timing(s.small, s.smallSpreadMs, hz, { volatileKeys: s.volatile })),
    besideUnhandled(),
    inFlight(),
  ];
}
