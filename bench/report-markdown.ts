/** Renders bench/RESULTS.md: environment, the module's targets, every run, notes and method. */
import type { CaseResult } from './case-runner';
import type { Environment } from './environment';
import { formatInt, formatMs } from './format';
import type { Mechanism } from './mechanisms/mechanism';
import { checkTargets } from './targets';
import type { Workload } from './workloads';

export interface ReportInput {
  env: Environment;
  runs: number;
  workloads: readonly Workload[];
  mechanisms: readonly Mechanism[];
  /** Mechanisms that could not be loaded, with the reason. */
  unavailable: readonly { id: string; reason: string }[];
  results: readonly CaseResult[];
  elapsedMs: number;
  /** The command that produced the report, for reproducing it. */
  command: string;
  chartFile: string;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('l' | 'r')[],
): string {
  const rule = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [row(header), row(rule), ...rows.map(row)].join('\n');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function deliveredCell(r: CaseResult): string {
  if (r.error) return 'failed';
  if (r.workload.kind === 'memory') return `– / ${formatInt(r.scheduled)}`;
  return `${formatInt(r.delivered)} / ${formatInt(r.scheduled)}`;
}

function resultRow(r: CaseResult): string[] {
  const delivery = r.workload.kind !== 'memory' && !r.error;
  return [
    r.workload.title,
    r.mechanism.label,
    String(r.run),
    deliveredCell(r),
    delivery ? formatInt(r.duplicates) : '–',
    delivery ? formatMs(r.lateness.p50) : '–',
    delivery ? formatMs(r.lateness.p99) : '–',
    delivery ? formatMs(r.lateness.max) : '–',
    formatInt(r.scheduleRate),
    formatInt(r.drainRate),
    r.bytesPerTask === undefined ? '–' : formatInt(r.bytesPerTask),
  ];
}

function notesOf(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const notes = [...r.notes];
    if (r.perInstance)
      notes.push(`handler runs per instance: ${r.perInstance.map(formatInt).join(' + ')}`);
    if (r.drainMs !== undefined)
      notes.push(`last delivery ${formatMs(r.drainMs)} ms after the due instant`);
    if (r.error) notes.push(`**failed**: ${r.error.split('\n')[0]}`);
    if (notes.length)
      lines.push(
        `- ${r.workload.title} · ${r.mechanism.label} · run ${r.run}: ${notes.join('; ')}`,
      );
  }
  return lines;
}

function workloadLine(w: Workload): string {
  const where =
    w.instances === 0
      ? 'consumer in the bench process'
      : `${w.instances} consumer process${w.instances > 1 ? 'es' : ''}, scheduling from the bench process`;
  switch (w.kind) {
    case 'timing':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks due evenly over ${w.spreadMs / 1000} s, Redis hz ${w.hz}${w.volatileKeys ? `, ${formatInt(w.volatileKeys)} unrelated keys with a 1-hour TTL in the same database` : ''}; ${where}; wait bounded at ${w.waitMs / 1000} s after the last due time.`;
    case 'burst':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks all due at the same instant, Redis hz ${w.hz}; ${where}. Drain throughput = tasks delivered / (last delivery − due instant).`;
    case 'memory':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks with a tiny payload due in 1 hour; INFO memory \`used_memory\` after scheduling minus before, divided by the task count (no consumer).`;
  }
}

export function renderMarkdown(input: ReportInput): string {
  const { env } = input;
  const quick = env.mode === 'quick';
  const targets = checkTargets(input.results);
  const out: string[] = [];

  out.push('# nestjs-delay-task benchmark', '');
  out.push(
    quick
      ? `**Quick mode**: counts are scaled down (see workloads below) and each case runs ${input.runs === 1 ? 'once' : `${input.runs} times`}; these are smoke figures, not the issue's. Run \`npm run bench\` for the full set.`
      : `Full mode: every case runs ${input.runs} times and every run is reported.`,
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
        ['Date', env.date],
        ['Mode', `${env.mode}, \`${input.command}\`, ${duration(input.elapsedMs)}`],
      ],
    ),
    '',
  );
  for (const u of input.unavailable) out.push(`> **${u.id} not measured**: ${u.reason}`, '');

  if (targets.length) {
    out.push('## nestjs-delay-task against its targets', '');
    if (quick) out.push('Judged on the scaled-down quick workloads.', '');
    out.push(
      table(
        ['Target', 'Measured (every run)', 'Verdict'],
        targets.map((t) => [t.target, t.measured, t.verdict]),
      ),
      '',
    );
  }

  out.push('## Results', '');
  out.push(
    'Lateness = fire time − intended due time, in ms, over the tasks delivered. Dup = handler runs beyond the first.',
    '',
  );
  out.push(
    table(
      [
        'Workload',
        'Mechanism',
        'Run',
        'Delivered / scheduled',
        'Dup',
        'p50 ms',
        'p99 ms',
        'max ms',
        'Scheduling tasks/s',
        'Drain tasks/s',
        'B / pending task',
      ],
      input.results.map(resultRow),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  out.push(
    `![Lateness p50, p99 and max per mechanism and workload, log scale](${input.chartFile})`,
    '',
  );

  const notes = notesOf(input.results);
  if (notes.length) out.push('## Notes', '', ...notes, '');

  out.push('## Workloads', '', ...input.workloads.map(workloadLine), '');
  out.push(
    '## Settings',
    '',
    ...input.mechanisms.map((m) => `- **${m.label}**: ${m.describeSettings()}`),
    '',
  );
  out.push(
    '## How it is measured',
    '',
    '- One `redis-server` started by the bench (`notify-keyspace-events Ex`, no persistence), `FLUSHALL` and `CONFIG SET hz` before every case; mechanisms take turns within each run.',
    '- Due times are absolute integer epoch ms chosen on the local clock (module: `at`; BullMQ: `timestamp` + `delay`; keyspace: `SET … PXAT`). A handler stamps its fire time first thing, on the same machine, with `performance.now()` re-anchored to the edge of a `Date.now()` tick at the start of every case and of every consumer process (sub-millisecond, no drift).',
    '- Scheduling starts at least 1 s before the first due time (for a burst, twice the time the mechanism needed per task earlier plus 1 s); a note says so if scheduling still ran past a due time. Scheduling throughput = tasks / duration of the scheduling call(s).',
    '- Delivered counts distinct tasks; duplicates are counted across all consumer processes. After the last task arrives the bench waits a moment more for late duplicates.',
    '- Multi-instance cases fork consumer processes (`bench/drain-worker.ts`) that report every handler run over IPC.',
    '',
  );
  return out.join('\n');
}
