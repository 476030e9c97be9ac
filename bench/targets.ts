/**
 * The targets of issue 4 and of the hardening issue: each judged on every
 * run of this module, shown beside the same figure for the other mechanisms
 * in the same run and the reference measurements of them.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import type { Mechanism, MechanismId } from './mechanisms/mechanism';
import { runsOn, Workload } from './workloads';

export type Verdict = 'pass' | 'miss' | 'not measured';

export interface TargetCheck {
  target: string;
  /** The figure per mechanism measured in this run, by mechanism id ("n/a" where the target's workloads do not run). */
  measured: ReadonlyMap<MechanismId, string>;
  /** What issue 4 measured for plain keyspace notifications and BullMQ. */
  reference: string;
  /** This module's verdict, over every run. */
  verdict: Verdict;
}

interface Check {
  target: string;
  reference: string;
  /** The workloads the target is about. */
  applies: (w: Workload) => boolean;
  /** One mechanism's figure over its cases, compactly; `all` is every case of the run. */
  figure: (cases: readonly CaseResult[], all: readonly CaseResult[]) => string;
  /**
   * Whether this module's cases meet the target (failed cases never do);
   * undefined when a case it is judged against did not run.
   */
  met: (cases: readonly CaseResult[], all: readonly CaseResult[]) => boolean | undefined;
}

const MODULE: MechanismId = 'delay-task';

const isTiming = (w: Workload) => w.kind === 'timing';
const isBurst = (w: Workload, instances?: number) =>
  w.kind === 'burst' && (instances === undefined || w.instances === instances);
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

/** Milliseconds with a sign: "+1.20", "-0.40". */
function signedMs(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${formatMs(ms)}`;
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

/** The same mechanism's case, in the same run, of the workload `r` is judged against. */
function baselineOf(r: CaseResult, all: readonly CaseResult[]): CaseResult | undefined {
  return all.find(
    (b) =>
      b.workload.id === r.workload.baselineId &&
      b.mechanism.id === r.mechanism.id &&
      b.run === r.run,
  );
}

/** p99 beside the crowd minus p99 of the same stream alone in the same run; NaN without both. */
function p99Increase(r: CaseResult, all: readonly CaseResult[]): number {
  const baseline = baselineOf(r, all);
  return baseline && complete(baseline) ? r.lateness.p99 - baseline.lateness.p99 : Number.NaN;
}

function p99Check(target: string, reference: string, volatile: boolean, boundMs: number): Check {
  return {
    target,
    reference,
    applies: (w) => isTiming(w) && w.unhandledTasks === 0 && w.volatileKeys > 0 === volatile,
    figure: (cases) =>
      `p99 ${range(
        cases.map((r) => r.lateness.p99),
        formatMs,
      )} ms${deliveredShare(cases)}${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && r.lateness.p99 <= boundMs),
  };
}

const CHECKS: readonly Check[] = [
  p99Check(
    'lateness p99 ≤ 2 ms, every task delivered (the two timing workloads, hz 10 and 100)',
    'keyspace: 1.2–1.3 s (1k), 3.2–3.5 s (10k) at hz 10; BullMQ: 96 / 93 ms at hz 10, 11 / 10 ms at hz 100',
    false,
    2,
  ),
  p99Check(
    'lateness p99 ≤ 5 ms beside the volatile keys, every task delivered (hz 10 and 100)',
    'keyspace: only 9–12 of 1,000 fired within 60 s; BullMQ: p99 96 ms (hz 10), 11 ms (hz 100)',
    true,
    5,
  ),
  {
    target: 'zero lost, zero duplicated (every case)',
    reference: '–',
    applies: () => true,
    figure: (cases) => {
      const lost = cases.reduce((n, r) => n + (r.error ? 0 : r.scheduled - r.delivered), 0);
      const duplicated = cases.reduce((n, r) => n + r.duplicates, 0);
      return `${formatInt(lost)} lost, ${formatInt(duplicated)} duplicated${failures(cases)}`;
    },
    met: (cases) => cases.every((r) => complete(r) && r.duplicates === 0),
  },
  {
    target: '`scheduleMany` ≥ 100,000 tasks/s (burst cases: one call for the whole burst)',
    reference: 'keyspace: 87k–212k/s; BullMQ: 11k–27k/s (addBulk)',
    applies: (w) => isBurst(w),
    figure: (cases) =>
      `${range(
        cases.map((r) => r.scheduleRate),
        formatInt,
      )} /s${failures(cases)}`,
    met: (cases) => cases.every((r) => !r.error && r.scheduleRate >= 100_000),
  },
  {
    target: 'burst drained at ≥ 100,000 tasks/s by one instance',
    reference: 'keyspace: 84k/s; BullMQ: 24k/s',
    applies: (w) => isBurst(w, 1),
    figure: (cases) =>
      `${range(
        cases.map((r) => r.drainRate ?? Number.NaN),
        formatInt,
      )} /s${deliveredShare(cases)}${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && (r.drainRate ?? 0) >= 100_000),
  },
  {
    target: 'burst lateness p99 ≤ 500 ms, one instance',
    reference: 'keyspace: 0.65 s; BullMQ: 3.2 s (hz 10), 3.1 s (hz 100)',
    applies: (w) => isBurst(w, 1),
    figure: (cases) =>
      `p99 ${range(
        cases.map((r) => r.lateness.p99),
        formatMs,
      )} ms${failures(cases)}`,
    met: (cases) => cases.every((r) => complete(r) && r.lateness.p99 <= 500),
  },
  {
    target: 'two instances drain no slower than one (mean over runs)',
    reference: '–',
    applies: (w) => isBurst(w),
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
    target: '≤ 250 B of Redis memory per pending task, payload excluded (burst cases)',
    reference: 'keyspace: ~110 B; BullMQ: 750–1,120 B',
    applies: (w) => isBurst(w),
    figure: (cases) =>
      `${range(
        cases.map((r) => r.bytesPerTask ?? Number.NaN),
        formatInt,
      )} B${failures(cases)}`,
    met: (cases) => cases.every((r) => r.bytesPerTask !== undefined && r.bytesPerTask <= 250),
  },
  {
    target:
      'lateness p99 beside the unhandled overdue tasks within 2 ms of the same stream alone in the same run, every handled task delivered, the unhandled ones left pending',
    reference: 'n/a: neither has tasks no instance handles',
    applies: (w) => w.unhandledTasks > 0,
    figure: (cases, all) => {
      const alone = cases.map((r) => baselineOf(r, all)?.lateness.p99 ?? Number.NaN);
      const missing = cases.filter((r) => !baselineOf(r, all)).length;
      const notPending = cases.filter((r) => !r.error && !crowdLeftPending(r)).length;
      return [
        `p99 ${range(
          cases.map((r) => r.lateness.p99),
          formatMs,
        )} ms, alone ${range(alone, formatMs)} ms: ${range(
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
    figure: (cases) => {
      const lost = cases.reduce((n, r) => n + (r.error ? 0 : r.scheduled - r.delivered), 0);
      const duplicated = cases.reduce((n, r) => n + r.duplicates, 0);
      const failedScripts = cases.reduce((n, r) => n + (r.scripts?.failedCalls ?? 0), 0);
      return [
        `${formatInt(lost)} lost, ${formatInt(duplicated)} duplicated`,
        `; drain p99 ${range(
          cases.map((r) => r.lateness.p99),
          formatMs,
        )} ms`,
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

export function checkTargets(
  workloads: readonly Workload[],
  results: readonly CaseResult[],
  mechanisms: readonly Mechanism[],
): TargetCheck[] {
  return CHECKS.map((check) => {
    const about = workloads.filter(check.applies);
    const cases = results.filter((r) => check.applies(r.workload));
    const measured = new Map<MechanismId, string>();
    for (const mechanism of mechanisms) {
      const own = cases.filter((r) => r.mechanism.id === mechanism.id);
      const applicable = about.length === 0 || about.some((w) => runsOn(w, mechanism.id));
      measured.set(
        mechanism.id,
        !applicable ? 'n/a' : own.length ? check.figure(own, results) : '–',
      );
    }
    const mine = cases.filter((r) => r.mechanism.id === MODULE);
    const met = mine.length ? check.met(mine, results) : undefined;
    const verdict: Verdict = met === undefined ? 'not measured' : met ? 'pass' : 'miss';
    return { target: check.target, measured, reference: check.reference, verdict };
  });
}
