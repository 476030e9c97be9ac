/** Renders bench/RESULTS.md: environment, the module's targets, every run, notes and method. */
import type { CaseResult } from './case-runner';
import type { Environment } from './environment';
import { table } from './markdown-table';
import type { Mechanism } from './mechanisms/mechanism';
import { ClusterRun, renderClusterSection } from './report-cluster';
import { renderMethod } from './report-method';
import { renderResults } from './report-results';
import { checkTargets } from './targets';
import type { Workload } from './workloads';

export interface ReportInput {
  env: Environment;
  runs: number;
  workloads: readonly Workload[];
  /** The rows measured, in table order. */
  mechanisms: readonly Mechanism[];
  /** Rows that could not be loaded, with the reason. */
  unavailable: readonly { id: string; reason: string }[];
  results: readonly CaseResult[];
  /** Runs of the cluster case (issue 5); empty when it was not selected. */
  cluster: readonly ClusterRun[];
  elapsedMs: number;
  /** The command that produced the report, for reproducing it. */
  command: string;
  pacing: { leadMarginMs: number; settleMs: number };
  chartFile: string;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function renderMarkdown(input: ReportInput): string {
  const { env } = input;
  const quick = env.mode === 'quick';
  const out: string[] = [];

  out.push('# nestjs-delay-task benchmark', '');
  out.push(
    quick
      ? `**Quick mode**: counts are scaled down (see workloads below) and each case runs ${input.runs === 1 ? 'once' : `${input.runs} times`}; these are smoke figures, not the issue's. Run \`npm run bench\` for the full set.`
      : `Full mode: every case runs ${input.runs} times (but where "What runs and why" says otherwise) and every run is reported.`,
    '',
  );
  out.push(
    table(
      ['Machine', ''],
      [
        ['CPU', `${env.cpuModel}, nproc ${env.nproc}`],
        ['Memory', `${env.memoryGiB} GiB`],
        ['Node.js', env.node],
        ['Redis', `${env.redis} (a server of its own, started by the bench)`],
        ['BullMQ / ioredis', `${env.bullmq} / ${env.ioredis}`],
        ['nestjs-delay-task', `commit ${env.library}`],
        ['Date', env.date],
        ['Mode', `${env.mode}, \`${input.command}\`, ${duration(input.elapsedMs)}`],
      ],
    ),
    '',
  );
  for (const u of input.unavailable) out.push(`> **${u.id} not measured**: ${u.reason}`, '');

  if (input.workloads.length) {
    out.push(...targetsSection(input));
    out.push(...renderResults(input.results, input.chartFile));
    out.push(...renderMethod(input));
  }
  out.push(...renderClusterSection(input.cluster));
  return out.join('\n');
}

/** The module's targets, each beside the same figure of every row of the run. */
function targetsSection(input: ReportInput): string[] {
  const quick = input.env.mode === 'quick';
  const targets = checkTargets(input.workloads, input.results, input.mechanisms);
  return [
    '## nestjs-delay-task against its targets',
    '',
    `Targets of the engine issue, and those of issue 4 and the hardening issue that still apply. Each verdict covers every run of the module's row it names (×100 is the default settings)${quick ? ', here on the scaled-down quick workloads' : ''}; figures are ranges over runs. Every other row was measured in the same run on the same server; the last column is what an issue measured earlier.`,
    '',
    table(
      ['Target', 'Verdict', ...input.mechanisms.map((m) => m.label), 'Earlier measurement'],
      targets.map((t) => [
        t.target,
        `${t.verdict === 'miss' ? '**miss**' : t.verdict} (${t.judged})`,
        ...input.mechanisms.map((m) => t.measured.get(m.id) ?? '–'),
        t.reference,
      ]),
    ),
    '',
  ];
}
