/**
 * The targets of issue 4: each judged on every run of this module, shown
 * beside the same figure for the other mechanisms in the same run and the
 * issue's reference measurements of them.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import type { Mechanism, MechanismId } from './mechanisms/mechanism';

export type Verdict = 'pass' | 'miss' | 'not measured';

export interface TargetCheck {
  target: string;
  /** The figure per mechanism measured in this run, by mechanism id. */
  measured: ReadonlyMap<MechanismId, string>;
  /** What issue 4 measured for plain keyspace notifications and BullMQ. */
  reference: string;
  /** This module's verdict, over every run. */
  verdict: Verdict;
}

interface Check {
  target: string;
  reference: string;
  /** The cases the target is about (of any mechanism). */
  applies: (r: CaseResult) => boolean;
  /** One mechanism's figure over its cases, compactly. */
  figure: (cases: readonly CaseResult[]) => string;
  /** Whether this module's cases meet the target (failed cases never do). */
  met: (cases: readonly CaseResult[]) => boolean;
}

const MODULE: MechanismId = 'delay-task';

const isTiming = (r: CaseResult) => r.workload.kind === 'timing';
const isBurst = (r: CaseResult, instances?: number) =>
  r.workload.kind === 'burst' && (instances === undefined || r.workload.instances === instances);
const complete = (r: CaseResult) => !r.error && r.delivered === r.scheduled;

function range(values: readonly number[], format: (v: number) => string): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '–';
  const low = format(Math.min(...finite));
  const high = format(Math.max(...finite));
  return low === high ? low : `${low}–${high}`;
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

function p99Check(target: string, reference: string, volatile: boolean, boundMs: number): Check {
  return {
    target,
    reference,
    applies: (r) => isTiming(r) && r.workload.volatileKeys > 0 === volatile,
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
    applies: (r) => isBurst(r),
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
    applies: (r) => isBurst(r, 1),
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
    applies: (r) => isBurst(r, 1),
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
    applies: (r) => isBurst(r),
    figure: (cases) => {
      const rate = (instances: number) =>
        mean(cases.filter((r) => isBurst(r, instances)).map((r) => r.drainRate ?? 0));
      return `two: ${formatInt(rate(2))} /s, one: ${formatInt(rate(1))} /s${failures(cases)}`;
    },
    met: (cases) => {
      const rates = (instances: number) =>
        cases.filter((r) => isBurst(r, instances)).map((r) => r.drainRate ?? 0);
      const [one, two] = [rates(1), rates(2)];
      return cases.every(complete) && one.length > 0 && two.length > 0 && mean(two) >= mean(one);
    },
  },
  {
    target: '≤ 250 B of Redis memory per pending task, payload excluded (burst cases)',
    reference: 'keyspace: ~110 B; BullMQ: 750–1,120 B',
    applies: (r) => isBurst(r),
    figure: (cases) =>
      `${range(
        cases.map((r) => r.bytesPerTask ?? Number.NaN),
        formatInt,
      )} B${failures(cases)}`,
    met: (cases) => cases.every((r) => r.bytesPerTask !== undefined && r.bytesPerTask <= 250),
  },
];

export function checkTargets(
  results: readonly CaseResult[],
  mechanisms: readonly Mechanism[],
): TargetCheck[] {
  return CHECKS.map((check) => {
    const cases = results.filter(check.applies);
    const measured = new Map<MechanismId, string>();
    for (const mechanism of mechanisms) {
      const own = cases.filter((r) => r.mechanism.id === mechanism.id);
      measured.set(mechanism.id, own.length ? check.figure(own) : '–');
    }
    const mine = cases.filter((r) => r.mechanism.id === MODULE);
    const verdict: Verdict = mine.length === 0 ? 'not measured' : check.met(mine) ? 'pass' : 'miss';
    return { target: check.target, measured, reference: check.reference, verdict };
  });
}
