/**
 * Judges the module's results against the targets of issue 4. Each check
 * uses the worst run, so one good run cannot hide a bad one.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetCheck {
  target: string;
  measured: string;
  verdict: Verdict;
}

const MODULE = 'delay-task';

function verdictOf(measured: boolean, ok: boolean): Verdict {
  if (!measured) return 'not measured';
  return ok ? 'met' : 'missed';
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** p99 of every run of the given cases against a bound, listed per workload. */
function p99Check(target: string, cases: CaseResult[], boundMs: number): TargetCheck {
  const ok = cases.filter((c) => !c.error && c.lateness.count > 0);
  const byWorkload = new Map<string, number[]>();
  for (const c of ok)
    byWorkload.set(c.workload.title, [...(byWorkload.get(c.workload.title) ?? []), c.lateness.p99]);
  const measured = [...byWorkload]
    .map(([title, p99s]) => `${title}: ${p99s.map(formatMs).join(' / ')} ms`)
    .join('; ');
  return {
    target,
    measured: measured || '–',
    verdict: verdictOf(
      ok.length > 0 && ok.length === cases.length,
      ok.every((c) => c.lateness.p99 <= boundMs),
    ),
  };
}

export function checkTargets(results: readonly CaseResult[]): TargetCheck[] {
  const mine = results.filter((r) => r.mechanism.id === MODULE);
  if (mine.length === 0) return [];
  const timing = mine.filter((r) => r.workload.kind === 'timing');
  const burst1 = mine.filter(
    (r) => r.workload.kind === 'burst' && r.workload.instances === 1 && !r.error,
  );
  const burst2 = mine.filter(
    (r) => r.workload.kind === 'burst' && r.workload.instances === 2 && !r.error,
  );
  const delivery = mine.filter((r) => r.workload.kind !== 'memory');
  const big = mine.filter(
    (r) => r.workload.tasks >= 10_000 && !r.error && Number.isFinite(r.scheduleRate),
  );
  const memory = mine.filter(
    (r) => r.workload.kind === 'memory' && !r.error && r.bytesPerTask !== undefined,
  );

  const lost = delivery.reduce((sum, r) => sum + (r.error ? 0 : r.scheduled - r.delivered), 0);
  const duplicated = delivery.reduce((sum, r) => sum + r.duplicates, 0);
  const failed = delivery.filter((r) => r.error).length;
  const rates = big.map((r) => r.scheduleRate);
  const drain1 = burst1.map((r) => r.drainRate ?? 0);
  const drain2 = burst2.map((r) => r.drainRate ?? 0);
  const bytes = memory.map((r) => r.bytesPerTask ?? Number.NaN);

  return [
    p99Check(
      'lateness p99 ≤ 2 ms, no volatile keys, hz 10 and 100',
      timing.filter((r) => r.workload.volatileKeys === 0),
      2,
    ),
    p99Check(
      'lateness p99 ≤ 5 ms beside the volatile keys, hz 10 and 100',
      timing.filter((r) => r.workload.volatileKeys > 0),
      5,
    ),
    {
      target: 'zero lost, zero duplicated (all delivery cases)',
      measured: `${formatInt(lost)} lost, ${formatInt(duplicated)} duplicated in ${delivery.length - failed} cases${failed ? `, ${failed} cases failed` : ''}`,
      verdict: verdictOf(delivery.length > failed, lost === 0 && duplicated === 0 && failed === 0),
    },
    {
      target: 'scheduleMany ≥ 100,000 tasks/s (cases with ≥ 10k tasks, worst run)',
      measured: rates.length
        ? `${formatInt(Math.min(...rates))} … ${formatInt(Math.max(...rates))} tasks/s`
        : '–',
      verdict: verdictOf(
        rates.length > 0,
        rates.every((r) => r >= 100_000),
      ),
    },
    {
      target: 'burst drained ≥ 100,000 tasks/s by one instance',
      measured: drain1.length ? `${drain1.map(formatInt).join(' / ')} tasks/s` : '–',
      verdict: verdictOf(
        drain1.length > 0,
        drain1.every((r) => r >= 100_000),
      ),
    },
    {
      target: 'burst lateness p99 ≤ 500 ms, one instance',
      measured: burst1.length
        ? `${burst1.map((r) => formatMs(r.lateness.p99)).join(' / ')} ms`
        : '–',
      verdict: verdictOf(
        burst1.length > 0,
        burst1.every((r) => r.lateness.p99 <= 500),
      ),
    },
    {
      target: 'two instances drain no slower than one (mean of runs)',
      measured:
        drain1.length && drain2.length
          ? `${formatInt(mean(drain2))} vs ${formatInt(mean(drain1))} tasks/s`
          : '–',
      verdict: verdictOf(drain1.length > 0 && drain2.length > 0, mean(drain2) >= mean(drain1)),
    },
    {
      target: '≤ 250 B of Redis memory per pending task',
      measured: bytes.length ? `${bytes.map((b) => formatInt(b)).join(' / ')} B` : '–',
      verdict: verdictOf(
        bytes.length > 0,
        bytes.every((b) => b <= 250),
      ),
    },
  ];
}
