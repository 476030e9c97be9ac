/**
 * The workloads of issue 4, and the scaled-down variants `--quick` runs.
 * A workload says what is scheduled and in what kind of database; the
 * mechanism running it is chosen by the harness.
 */

export type WorkloadKind =
  /** Tasks due over a window: lateness and delivery. */
  | 'timing'
  /** Every task due at the same instant: drain throughput. */
  | 'burst';

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
  /** Consumer processes; 0 runs the consumer inside the bench process. */
  instances: number;
  /** How long after the last due time the bench keeps waiting for missing deliveries. */
  waitMs: number;
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
};

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
    instances: consumers,
    waitMs: 5_000,
  });
  return instances > 0
    ? [warmup(s.warmupTasks, 0), warmup(s.warmupBurst, instances)]
    : [warmup(s.warmupTasks, 0)];
}

export function buildWorkloads(quick: boolean): Workload[] {
  const s = quick ? QUICK : FULL;
  const timing = (n: number, spreadMs: number, volatileKeys: number, hz: number): Workload => {
    const crowd = volatileKeys ? compactCount(volatileKeys) : '';
    return {
      id: `${compactCount(n)}-${spreadMs / 1000}s${crowd ? `-${crowd}-volatile` : ''}-hz${hz}`,
      title: `${compactCount(n)} over ${spreadMs / 1000} s${crowd ? ` + ${crowd} volatile` : ''}, hz ${hz}`,
      kind: 'timing',
      tasks: n,
      spreadMs,
      hz,
      volatileKeys,
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
    instances,
    waitMs: s.waitMs,
  });
  const atEveryHz = (make: (hz: number) => Workload) => HZ_SETTINGS.map(make);
  return [
    ...atEveryHz((hz) => timing(s.small, s.smallSpreadMs, 0, hz)),
    ...atEveryHz((hz) => timing(s.medium, s.mediumSpreadMs, 0, hz)),
    ...atEveryHz((hz) => burst(1, hz)),
    ...atEveryHz((hz) => burst(2, hz)),
    ...atEveryHz((hz) => timing(s.small, s.smallSpreadMs, s.volatile, hz)),
  ];
}
