/**
 * The workloads of issue 4, and the scaled-down variants `--quick` runs.
 * A workload says what is scheduled and in what kind of database; the
 * mechanism running it is chosen by the harness.
 */

export type WorkloadKind =
  /** Tasks due over a window: lateness and delivery. */
  | 'timing'
  /** Every task due at the same instant: drain throughput. */
  | 'burst'
  /** Tasks far in the future: Redis memory per pending task. */
  | 'memory';

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

/** How far in the future memory-case tasks are due: never during the case. */
export const MEMORY_CASE_DELAY_MS = 3_600_000;

/** Shortest time between the start of scheduling and the first due time. */
export const MIN_LEAD_MS = 1_000;

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
  memory: number;
  waitMs: number;
  /** NOTE: plain keyspace events beside many volatile keys mostly never arrive; the wait is bounded. */
  volatileWaitMs: number;
}

const FULL: Scale = {
  small: 1_000,
  smallSpreadMs: 5_000,
  medium: 10_000,
  mediumSpreadMs: 10_000,
  burst: 100_000,
  volatile: 1_000_000,
  memory: 100_000,
  waitMs: 30_000,
  volatileWaitMs: 60_000,
};

const QUICK: Scale = {
  small: 300,
  smallSpreadMs: 2_000,
  medium: 3_000,
  mediumSpreadMs: 3_000,
  burst: 20_000,
  volatile: 200_000,
  memory: 20_000,
  waitMs: 10_000,
  volatileWaitMs: 8_000,
};

/**
 * A short untimed round per mechanism before the measured cases, so the first
 * measured case does not pay for cold JIT, script loading and connection setup.
 */
export function warmupWorkload(): Workload {
  return {
    id: 'warm-up',
    title: 'warm-up',
    kind: 'timing',
    tasks: 500,
    spreadMs: 500,
    hz: 10,
    volatileKeys: 0,
    instances: 0,
    waitMs: 1_500,
  };
}

export function buildWorkloads(quick: boolean): Workload[] {
  const s = quick ? QUICK : FULL;
  const over = (n: number, ms: number) => `${compactCount(n)} over ${ms / 1000} s`;
  const timing = (n: number, spreadMs: number, hz: number, volatileKeys: number): Workload => ({
    id: `${compactCount(n)}-${spreadMs / 1000}s${volatileKeys ? `-${compactCount(volatileKeys)}-volatile` : ''}-hz${hz}`,
    title: `${over(n, spreadMs)}${volatileKeys ? ` + ${compactCount(volatileKeys)} volatile` : ''}, hz ${hz}`,
    kind: 'timing',
    tasks: n,
    spreadMs,
    hz,
    volatileKeys,
    instances: 0,
    waitMs: volatileKeys ? s.volatileWaitMs : s.waitMs,
  });
  const burst = (instances: number): Workload => ({
    id: `burst-${compactCount(s.burst)}-x${instances}`,
    title: `burst ${compactCount(s.burst)}, ${instances} instance${instances > 1 ? 's' : ''}`,
    kind: 'burst',
    tasks: s.burst,
    spreadMs: 0,
    hz: 10,
    volatileKeys: 0,
    instances,
    waitMs: s.waitMs,
  });
  return [
    timing(s.small, s.smallSpreadMs, 10, 0),
    timing(s.small, s.smallSpreadMs, 100, 0),
    timing(s.medium, s.mediumSpreadMs, 10, 0),
    burst(1),
    burst(2),
    timing(s.small, s.smallSpreadMs, 10, s.volatile),
    timing(s.small, s.smallSpreadMs, 100, s.volatile),
    {
      id: `memory-${compactCount(s.memory)}`,
      title: `${compactCount(s.memory)} pending (memory)`,
      kind: 'memory',
      tasks: s.memory,
      spreadMs: 0,
      hz: 10,
      volatileKeys: 0,
      instances: 0,
      waitMs: 0,
    },
  ];
}
