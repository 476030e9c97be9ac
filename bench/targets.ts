/**
 * The targets of the engine issue (which supersede issue 4's lateness,
 * drain, scheduling and memory targets) and those of issue 4 and the
 * hardening issue that still apply. Each is judged on this module's rows it
 * names, and shown beside the same figure for every other row measured in
 * the same run.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import type { Mechanism, MechanismKind } from './mechanisms/mechanism';
import { rowId } from './mechanisms/mechanism';
import { MODULE_DEFAULT_ROW } from './mechanisms/rows';
import { formatClaims, formatMicros } from './report-figures';
import { runsOn, Workload, WorkloadFamily } from './workloads';

export type Verdict = 'pass' | 'miss' | 'not measured';

export interface TargetCheck {
  target: string;
  /** The figure per row id measured in this run ("n/a" where the target's workloads do not run on it). */
  measured: ReadonlyMap<string, string>;
  /** What an issue measured earlier, where it gave figures. */
  reference: string;
  /** Which of this module's rows the verdict covers. */
  judged: string;
  /** This module's verdict, over every run of those rows. */
  verdict: Verdict;
}

interface Check {
  target: string;
  reference: string;
  /** The workloads the target is about. */
  applies: (w: Workload) => boolean;
  /** The module's row at the default settings, or every row of it that ran the workloads. */
  judges: 'default row' | 'every row';
  /** The mechanisms that have the figure at all, when not every one. */
  kinds?: readonly MechanismKind[];
  /** One row's figure over its cases, compactly; `all` is every case of the run. */
  figure: (cases: readonly CaseResult[], all: readonly CaseResult[]) => string;
  /**
   * Whether the judged cases meet the target (failed cases never do);
   * undefined when a case it is judged against did not run.
   */
  met: (cases: readonly CaseResult[], all: readonly CaseResult[]) => boolean | undefined;
}

const MODULE: MechanismKind = 'delay-task';
const DEFAULT_ROW_ID = rowId(MODULE_DEFAULT_ROW);

const isBurst = (w: Workload, instances?: number) =>
  w.kind === 'burst' && (instances === undefined || w.instances === instances);
const inFamily = (family: WorkloadFamily) => (w: Workload) => w.family === family;
const complete = (r: CaseResult) => !r.error && r.delivered === r.scheduled;
/** Whether every unhandled task of the case was still pending at its end. */
const crowdLeftPending = (r: CaseResult) => r.pendingAfter === r.workload.unhandledTasks;

function range(values: readonly number[], format: (v: number) => string): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '–';
  const low = format(Math.min(...finite));
  const high = format(Math.max(...finite));
  return low === high ? low : `${low}–${high}`;
}

/** Milliseconds with a sign: "+1.20", "-0.40"; a difference that rounds to zero is "+0.00". */
function signedMs(ms: number): string {
  const magnitude = formatMs(Math.abs(ms));
  return `${ms < 0 && Number(magnitude) !== 0 ? '-' : '+'}${magnitude}`;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** "n failed" when some cases failed; those have no figures to show. */
function failures(cases: readonly CaseResult[]): string {
  const failed = cases.filter((r) => r.error).length;
  return failed ? `; ${failed} failed` : '';
}

function deliveredShare(cases: readonly CaseResult[]): string {
  const delivered = cases.reduce((n, r) => n + r.delivered, 0);
  const scheduled = cases.reduce((n, r) => n + r.scheduled, 0);
  return delivered === scheduled
    ? ''
    : `; ${formatInt(delivered)} of ${formatInt(scheduled)} delivered`;
}

/** "p99 12.3–15.0 ms". */
function p99s(cases: readonly CaseResult[]): string {
  return `p99 ${range(
    cases.map((r) => r.lateness.p99),
    formatMs,
  )} ms`;
}

/** The case of the same workload and run on another row: the one `pick` selects. */
function sameRunCase(
  r: CaseResult,
  all: readonly CaseResult[],
  workloadId: string | undefined,
  pick: (m: Mechanism) => boolean,
): CaseResult | undefined {
  return all.find((b) => b.workload.id === workloadId && b.run === r.run && pick(b.mechanism));
}

/** The same row's case, in the same run, of the workload `r` is judged against. */
function baselineOf(r: CaseResult, all: readonly CaseResult[]): CaseResult | undefined {
  return sameRunCase(r, all, r.workload.baselineId, (m) => m.id === r.mechanism.id);
}

/** The floor's case of the same workload in the same run. */
function floorOf(r: CaseResult, all: readonly CaseResult[]): CaseResult | undefined {
  return sameRunCase(r, all, r.workload.id, (m) => m.kind === 'floor');
}

/** p99 minus the floor's p99 of the same workload and run; NaN without a complete floor case. */
function overFloor(r: CaseResult, all: readonly CaseResult[]): number {
  const floor = floorOf(r, all);
  return floor && complete(floor) ? r.lateness.p99 - floor.lateness.p99 : Number.NaN;
}

/** p99 beside the crowd minus p99 of the same stream alone in the same run; NaN without both. */
function p99Increase(r: CaseResult, all: readonly CaseResult[]): number {
  const baseline = baselineOf(r, all);
  return baseline && complete(baseline) ? r.lateness.p99 - baseline.lateness.p99 : Number.NaN;
}

/** Lateness p99 within 1 ms of the floor's, measured in the same run, on one workload family. */
function floorCheck(family: WorkloadFamily, what: string): Check {
  return {
    target: `lateness p99 within 1 ms of the floor's in the same run, every task delivered (${what}), at the default concurrency`,
    reference: '–',
    applies: inFamily(family),
    judges: 'default row',
    figure: (cases, all) => {
      const own = p99s(cases);
      if (cases.every((r) => r.mechanism.kind === 'floor'))
        return `${own}${deliveredShare(cases)}${failures(cases)}`;
      return `${range(
        cases.map((r) => overFloor(r, all)),
        signedMs,
      )} ms over the floor (${own})${deliveredShare(cases)}${failures(cases)}`;
    },
    met: (cases, all) =>
      cases.some((r) => !Number.isFinite(overFloor(r, all)))
        ? undefined
        : cases.every((r) => complete(r) && overFloor(r, all) <= 1),
  };
}

/** Drain cost per delivered task, one of its parts, over the cases that measured it. */
function drainCostRange(
  cases: readonly CaseResult[],
  part: (r: CaseResult) => number | undefined,
): string {
  return `${range(
    cases.map((r) => part(r) ?? Number.NaN),
    formatMicros,
  )} µs`;
}

const CHECKS: readonly Check[] = [
  {
    target: 'burst drained at ≥ 100,000 tasks/s by one instance, at the default settings',
    reference: 'issue 4: keyspace 84k/s; BullMQ 24k/s',
    applies: (w) => isBurst(w, 1),
    judges: 'default row',
    figure: (cases) =>
      `${range(
        cases.map((r) => r.drainRate ?? Number.NaN),
        formatInt,
      )} /s${deliveredShare(cases)}${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && (r.drainRate ?? 0) >= 100_000),
  },
  {
    target: 'burst lateness p99 ≤ 1 s for 100,000 tasks, one instance, at the default settings',
    reference: 'issue 4: keyspace 0.65 s; BullMQ 3.2 s',
    applies: (w) => isBurst(w, 1),
    judges: 'default row',
    figure: (cases) => `${p99s(cases)}${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && r.lateness.p99 <= 1_000),
  },
  {
    target:
      'Redis ≤ 6 µs of CPU per delivered task in a burst, at the default settings (redis-server `INFO cpu` user + sys over the drain; Lua time from `INFO commandstats` in brackets)',
    reference: '–',
    applies: (w) => isBurst(w),
    judges: 'default row',
    figure: (cases) =>
      `${drainCostRange(cases, (r) => r.drainCost?.redis)} (Lua ${drainCostRange(cases, (r) => r.drainCost?.lua)})${failures(cases)}`,
    met: (cases) =>
      cases.every((r) => complete(r) && r.drainCost !== undefined && r.drainCost.redis <= 6),
  },
  {
    target:
      'Node ≤ 8 µs of CPU per delivered task in a burst, at the default settings (`process.cpuUsage()` of the consumer processes over the drain)',
    reference: '–',
    applies: (w) => isBurst(w),
    judges: 'default row',
    figure: (cases) => `${drainCostRange(cases, (r) => r.drainCost?.node)}${failures(cases)}`,
    met: (cases) =>
      cases.every((r) => complete(r) && r.drainCost !== undefined && r.drainCost.node <= 8),
  },
  {
    target:
      '`scheduleMany` ≥ 150,000 tasks/s at 10,000 items per call (burst cases; the others at 10,000 per `addBulk` / pipeline)',
    reference: 'issue 4: keyspace 87k–212k/s; BullMQ 11k–27k/s',
    applies: (w) => isBurst(w),
    judges: 'default row',
    figure: (cases) =>
      `${range(
        cases.map((r) => r.scheduleRate),
        formatInt,
      )} /s${failures(cases)}`,
    met: (cases) => cases.every((r) => !r.error && r.scheduleRate >= 150_000),
  },
  floorCheck('light-stream', '1k over 5 s'),
  floorCheck('stream', '10k over 10 s'),
  floorCheck('volatile-crowd', '1k over 5 s beside 1M volatile keys'),
  {
    target: '≤ 1.05 claim calls per task at light load (1k over 5 s), at the default concurrency',
    reference: '–',
    applies: inFamily('light-stream'),
    judges: 'default row',
    kinds: [MODULE],
    figure: (cases) =>
      `${range(
        cases.map((r) => r.claimsPerTask ?? Number.NaN),
        formatClaims,
      )}${failures(cases)}`,
    met: (cases) =>
      cases.every((r) => complete(r) && r.claimsPerTask !== undefined && r.claimsPerTask <= 1.05),
  },
  {
    target:
      "the stream's lateness p99 ≤ 1 s while a 100,000-task burst due at its first due time drains on the same instance, at the default settings",
    reference: 'engine issue: nestjs-delay-task 2.7 s; BullMQ 18.7 s; keyspace 1.3 s',
    applies: inFamily('stream-beside-burst'),
    judges: 'default row',
    figure: (cases) =>
      `${p99s(cases)} (burst drained at ${range(
        cases.map((r) => r.drainRate ?? Number.NaN),
        formatInt,
      )} /s)${deliveredShare(cases)}${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && r.lateness.p99 <= 1_000),
  },
  {
    target: '≤ 150 B of Redis memory per pending task, payload excluded (burst cases)',
    reference: 'issue 4: keyspace ~110 B; BullMQ 750–1,120 B',
    applies: (w) => isBurst(w),
    judges: 'every row',
    figure: (cases) =>
      `${range(
        cases.map((r) => r.bytesPerTask ?? Number.NaN),
        formatInt,
      )} B${failures(cases)}`,
    met: (cases) => cases.every((r) => r.bytesPerTask !== undefined && r.bytesPerTask <= 150),
  },
  {
    target: 'nothing lost, nothing delivered twice (every case)',
    reference: '–',
    applies: () => true,
    judges: 'every row',
    figure: (cases) => {
      const lost = cases.reduce((n, r) => n + (r.error ? 0 : r.scheduled - r.delivered), 0);
      const duplicated = cases.reduce((n, r) => n + r.duplicates, 0);
      return `${formatInt(lost)} lost, ${formatInt(duplicated)} duplicated${failures(cases)}`;
    },
    met: (cases) => cases.every((r) => complete(r) && r.duplicates === 0),
  },
  {
    target: 'two instances drain no slower than one (mean over runs), at the default settings',
    reference: '–',
    applies: (w) => isBurst(w),
    judges: 'default row',
    figure: (cases) => {
      const rate = (instances: number) =>
        mean(cases.filter((r) => isBurst(r.workload, instances)).map((r) => r.drainRate ?? 0));
      return `two: ${formatInt(rate(2))} /s, one: ${formatInt(rate(1))} /s${failures(cases)}`;
    },
    met: (cases) => {
      const rates = (instances: number) =>
        cases.filter((r) => isBurst(r.workload, instances)).map((r) => r.drainRate ?? 0);
      const [one, two] = [rates(1), rates(2)];
      return cases.every(complete) && one.length > 0 && two.length > 0 && mean(two) >= mean(one);
    },
  },
  {
    target:
      'lateness p99 beside the unhandled overdue tasks within 2 ms of the same stream alone in the same run, every handled task delivered, the unhandled ones left pending',
    reference: 'n/a: neither peer has tasks no instance handles',
    applies: (w) => w.unhandledTasks > 0,
    judges: 'every row',
    figure: (cases, all) => {
      const alone = cases.map((r) => baselineOf(r, all)?.lateness.p99 ?? Number.NaN);
      const missing = cases.filter((r) => !baselineOf(r, all)).length;
      const notPending = cases.filter((r) => !r.error && !crowdLeftPending(r)).length;
      return [
        `${p99s(cases)}, alone ${range(alone, formatMs)} ms: ${range(
          cases.map((r) => p99Increase(r, all)),
          signedMs,
        )} ms`,
        missing ? `; ${missing} run(s) without the stream alone to compare with` : '',
        notPending ? `; unhandled tasks not all left pending in ${notPending} run(s)` : '',
        deliveredShare(cases),
        failures(cases),
      ].join('');
    },
    met: (cases, all) =>
      cases.some((r) => !baselineOf(r, all))
        ? undefined
        : cases.every((r) => complete(r) && crowdLeftPending(r) && p99Increase(r, all) <= 2),
  },
  {
    target:
      "slow handlers past the scripts' unpack limit (10k in flight, 3 s each, `leaseMs` 1 s): every task delivered, none run twice",
    reference: 'n/a: measured on nestjs-delay-task only',
    applies: (w) => w.kind === 'in-flight',
    judges: 'every row',
    figure: (cases) => {
      const lost = cases.reduce((n, r) => n + (r.error ? 0 : r.scheduled - r.delivered), 0);
      const duplicated = cases.reduce((n, r) => n + r.duplicates, 0);
      const failedScripts = cases.reduce((n, r) => n + (r.scripts?.failedCalls ?? 0), 0);
      return [
        `${formatInt(lost)} lost, ${formatInt(duplicated)} duplicated`,
        `; drain ${p99s(cases)}`,
        `; Lua ${range(
          cases.map((r) => (r.scripts ? r.scripts.usec / r.scheduled : Number.NaN)),
          (usec) => usec.toFixed(1),
        )} µs per task`,
        failedScripts ? `, ${formatInt(failedScripts)} script calls failed` : '',
        failures(cases),
      ].join('');
    },
    met: (cases) => cases.every((r) => complete(r) && r.duplicates === 0),
  },
];

/** Whether `mechanism` is one of this module's rows the check's verdict covers. */
function judgedRow(check: Check, mechanism: Mechanism): boolean {
  return (
    mechanism.kind === MODULE && (check.judges === 'every row' || mechanism.id === DEFAULT_ROW_ID)
  );
}

export function checkTargets(
  workloads: readonly Workload[],
  results: readonly CaseResult[],
  mechanisms: readonly Mechanism[],
): TargetCheck[] {
  return CHECKS.map((check) => {
    const about = workloads.filter(check.applies);
    const cases = results.filter((r) => check.applies(r.workload));
    const measured = new Map<string, string>();
    for (const mechanism of mechanisms) {
      const own = cases.filter((r) => r.mechanism.id === mechanism.id);
      const applicable =
        (check.kinds?.includes(mechanism.kind) ?? true) && about.some((w) => runsOn(w, mechanism));
      measured.set(
        mechanism.id,
        !applicable ? 'n/a' : own.length ? check.figure(own, results) : '–',
      );
    }
    const judged = cases.filter((r) => judgedRow(check, r.mechanism));
    const met = judged.length ? check.met(judged, results) : undefined;
    const verdict: Verdict = met === undefined ? 'not measured' : met ? 'pass' : 'miss';
    return {
      target: check.target,
      measured,
      reference: check.reference,
      judged: check.judges === 'default row' ? `×${MODULE_DEFAULT_ROW.concurrency}` : 'every row',
      verdict,
    };
  });
}
