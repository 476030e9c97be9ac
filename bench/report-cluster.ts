/** Renders the cluster section of bench/RESULTS.md: 1 master vs 3 masters, every run. */
import type { ClusterCaseResult, ClusterFigures } from './cluster-case';
import { formatInt, formatMs } from './format';
import { table } from './markdown-table';

/** One run of the cluster case: its figures, or why it failed. */
export interface ClusterRun {
  run: number;
  result?: ClusterCaseResult;
  error?: string;
}

function ratio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

function runRow({ run, result: r, error }: ClusterRun): string[] {
  if (!r) return [String(run), 'failed', '–', '–', '–', '–', '–', error?.split('\n')[0] ?? ''];
  const { single, three } = r;
  const delivered = (f: ClusterFigures) =>
    `${formatInt(f.delivered)} / ${formatInt(r.burstTasks)}, dup ${formatInt(f.duplicates)}`;
  return [
    String(run),
    formatInt(single.scheduleRate),
    formatInt(three.scheduleRate),
    `**${ratio(r.scheduleRatio)}**`,
    formatInt(single.drainRate),
    formatInt(three.drainRate),
    `**${ratio(r.drainRatio)}**`,
    `1 master: ${delivered(single)}; 3 masters: ${delivered(three)}`,
  ];
}

/** The section's lines; nothing when the cluster case did not run. */
export function renderClusterSection(runs: readonly ClusterRun[]): string[] {
  if (runs.length === 0) return [];
  const first = runs.find((r) => r.result)?.result;
  const out: string[] = ['## Redis Cluster: one master vs three masters (issue 5)', ''];
  if (first)
    out.push(
      `nestjs-delay-task on a 1-master and a 3-master Redis Cluster started by the bench on this machine (no replicas), one after the other in each run. Scheduling: one \`scheduleMany\` of ${formatInt(first.scheduleTasks)} tasks, median of ${first.rounds} timed calls after a warm-up. Burst drain: ${formatInt(first.burstTasks)} tasks due at the same instant, drained by one instance (concurrency ${formatInt(first.concurrency)}); drain tasks/s = tasks / (last delivery − due instant). Ratio = 3 masters / 1 master.`,
      '',
    );
  out.push(
    table(
      [
        'Run',
        'Scheduling tasks/s, 1 master',
        'Scheduling tasks/s, 3 masters',
        'Scheduling ratio',
        'Drain tasks/s, 1 master',
        'Drain tasks/s, 3 masters',
        'Drain ratio',
        'Delivered / burst, duplicates',
      ],
      runs.map(runRow),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  const drainMs = runs.flatMap((r) =>
    r.result
      ? [
          `run ${r.run}: ${formatMs(r.result.single.drainMs)} / ${formatMs(r.result.three.drainMs)} ms`,
        ]
      : [],
  );
  if (drainMs.length)
    out.push(
      `Last burst task delivered after the due instant (1 / 3 masters): ${drainMs.join('; ')}.`,
      '',
    );
  if (first)
    out.push(
      `**What bounds the ratio on ${first.cpus} cores**:`,
      '',
      ...first.notes.map((n) => `- ${n}`),
      '',
    );
  return out;
}
