/** Renders bench/RESULTS.md: environment, the module's targets, every run, notes and method. */
import { CaseResult, duplicateWatchMs, LEAD_SAFETY } from './case-runner';
import type { Environment } from './environment';
import { formatInt, formatMs } from './format';
import { table } from './markdown-table';
import { ClusterRun, renderClusterSection } from './report-cluster';
import type { Mechanism, MechanismId } from './mechanisms/mechanism';
import { describeScriptCost } from './script-cost';
import { checkTargets } from './targets';
import { OVERDUE_BY_MS, UNHANDLED_KEY_PREFIX } from './unhandled-crowd';
import type { Workload } from './workloads';

export interface ReportInput {
  env: Environment;
  runs: number;
  workloads: readonly Workload[];
  mechanisms: readonly Mechanism[];
  /** Mechanisms that could not be loaded, with the reason. */
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

function resultRow(r: CaseResult): string[] {
  const ok = !r.error;
  return [
    r.workload.title,
    r.mechanism.label,
    String(r.run),
    ok ? `${formatInt(r.delivered)} / ${formatInt(r.scheduled)}` : 'failed',
    ok ? formatInt(r.duplicates) : '–',
    formatMs(r.lateness.p50),
    formatMs(r.lateness.p99),
    formatMs(r.lateness.max),
    formatInt(r.scheduleRate),
    formatInt(r.drainRate),
    formatInt(r.bytesPerTask),
  ];
}

function notesOf(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const notes = [...r.notes];
    if (r.perInstance)
      notes.push(`handler runs per instance: ${r.perInstance.map(formatInt).join(' + ')}`);
    if (r.drainMs !== undefined)
      notes.push(`last task delivered ${formatMs(r.drainMs)} ms after the due instant`);
    if (r.scripts) notes.push(`Lua over the case: ${describeScriptCost(r.scripts, r.scheduled)}`);
    if (r.lateness.early > 0)
      notes.push(
        `**${formatInt(r.lateness.early)} delivered before their due time** (earliest ${formatMs(r.lateness.min)} ms)`,
      );
    if (r.error) notes.push(`**failed**: ${r.error.split('\n')[0]}`);
    if (notes.length)
      lines.push(
        `- ${r.workload.title} · ${r.mechanism.label} · run ${r.run}: ${notes.join('; ')}`,
      );
  }
  return lines;
}

/** What else the database holds during the case, as a clause of its line. */
function crowdOf(w: Workload): string {
  const parts: string[] = [];
  if (w.volatileKeys)
    parts.push(
      `${formatInt(w.volatileKeys)} unrelated keys with a 1-hour TTL in the same database`,
    );
  if (w.unhandledTasks)
    parts.push(
      `${formatInt(w.unhandledTasks)} overdue tasks no running instance handles (\`${UNHANDLED_KEY_PREFIX}<i>\`, each due ${OVERDUE_BY_MS / 1000} s before it was scheduled, through \`scheduleMany\` from an instance with no handler, before the handling instance starts; their loading counts in neither the scheduling rate nor the memory figure, and all of them must still be pending at the end)`,
    );
  return parts.map((part) => `, ${part}`).join('');
}

function workloadLine(w: Workload, labelOf: (id: MechanismId) => string): string {
  const where =
    w.instances === 0
      ? 'consumer in the bench process'
      : `${w.instances} consumer process${w.instances > 1 ? 'es' : ''}, scheduling from the bench process`;
  const wait = `wait bounded at ${w.waitMs / 1000} s after the last due time`;
  const only = w.restrictedTo
    ? ` Runs on ${w.restrictedTo.mechanisms.map(labelOf).join(', ')} only: ${w.restrictedTo.reason}.`
    : '';
  switch (w.kind) {
    case 'timing':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks due evenly over ${w.spreadMs / 1000} s, Redis hz ${w.hz}${crowdOf(w)}; ${where}; ${wait}.${w.baselineId ? ` Judged against \`${w.baselineId}\` of the same run.` : ''}${only}`;
    case 'burst':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks all due at the same millisecond, Redis hz ${w.hz}; ${where}; ${wait}. Drain throughput = tasks delivered / (time the last one was first delivered − due instant).`;
    case 'in-flight': {
      const tuning = w.tuning;
      const handlers = tuning
        ? `, each handler resolving ${formatInt(tuning.handlerMs)} ms after it starts, module \`concurrency\` ${formatInt(tuning.concurrency)} and \`leaseMs\` ${formatInt(tuning.leaseMs)} (so every lease is renewed while its handler runs)`
        : '';
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks all due at the same millisecond${handlers}, Redis hz ${w.hz}; ${where}; ${wait}. Handler runs are counted for ${duplicateWatchMs(w) / 1000} s more after the last first delivery (a handler, a lease and a sweep interval), so a lease that lapsed shows up as a duplicate. Lua cost = \`INFO commandstats\` EVALSHA and EVAL from scheduling to the end of that watch, over the tasks.${only}`;
    }
  }
}

export function renderMarkdown(input: ReportInput): string {
  const { env } = input;
  const quick = env.mode === 'quick';
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
        ['nestjs-delay-task', `commit ${env.library}`],
        ['Date', env.date],
        ['Mode', `${env.mode}, \`${input.command}\`, ${duration(input.elapsedMs)}`],
      ],
    ),
    '',
  );
  for (const u of input.unavailable) out.push(`> **${u.id} not measured**: ${u.reason}`, '');

  if (input.workloads.length) out.push(...singleServerSections(input));
  out.push(...renderClusterSection(input.cluster));
  return out.join('\n');
}

/** Targets, results, notes and method of the workloads run on the bench's own Redis server. */
function singleServerSections(input: ReportInput): string[] {
  const quick = input.env.mode === 'quick';
  const targets = checkTargets(input.workloads, input.results, input.mechanisms);
  const out: string[] = [];

  out.push('## nestjs-delay-task against the targets of issue 4 and the hardening issue', '');
  out.push(
    `Each verdict covers every run of nestjs-delay-task${quick ? ', here on the scaled-down quick workloads' : ''}; figures are ranges over runs (and over hz where the target spans both). The other mechanisms were measured in the same run on the same server; the last column is what the issue measured for them on a machine of this kind (Redis 7.0.15, BullMQ 6.7.0).`,
    '',
  );
  out.push(
    table(
      ['Target', 'Verdict', ...input.mechanisms.map((m) => m.label), 'Issue 4 reference'],
      targets.map((t) => [
        t.target,
        t.verdict === 'miss' ? '**miss**' : t.verdict,
        ...input.mechanisms.map((m) => t.measured.get(m.id) ?? '–'),
        t.reference,
      ]),
    ),
    '',
  );

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
    `![Lateness distribution (p50, p90, p99, max) of every scheduled task per mechanism and workload, log scale](${input.chartFile})`,
    '',
  );

  const notes = notesOf(input.results);
  if (notes.length) out.push('## Notes', '', ...notes, '');

  const labelOf = (id: MechanismId) => input.mechanisms.find((m) => m.id === id)?.label ?? id;
  out.push('## Workloads', '', ...input.workloads.map((w) => workloadLine(w, labelOf)), '');
  out.push(
    '## Settings',
    '',
    ...input.mechanisms.map((m) => `- **${m.label}**: ${m.describeSettings()}`),
    '',
  );
  const { leadMarginMs, settleMs } = input.pacing;
  out.push(
    '## How it is measured',
    '',
    '- One `redis-server` started by the bench (no persistence). Before every case: `FLUSHALL`, `CONFIG SET hz`, and `notify-keyspace-events` set to `Ex` for the keyspace mechanism and off for the others. Mechanisms take turns within each run.',
    '- Due times are absolute integer epoch ms chosen on the local clock and passed as such (module: `at`; BullMQ: `timestamp` + `delay`; keyspace: `SET … PXAT`), so lateness is measured against the due time actually requested. A handler stamps its fire time first thing, on the same machine, with `performance.now()` re-anchored to the edge of a `Date.now()` tick at the start of every case and of every consumer process (sub-millisecond, no drift).',
    `- Scheduling starts ${leadMarginMs} ms plus ${LEAD_SAFETY} × the time the mechanism needed for as many tasks earlier before the first due time; a note says so if scheduling still ran past it. Scheduling throughput = tasks / duration of the scheduling call(s).`,
    "- Tasks carry no payload (module: none; BullMQ: job data `{}`, the job name is the key; keyspace: value `1`), so memory per pending task is the mechanism's own cost. It is `MEMORY STATS` `total.allocated` minus the live memory of every client connection (`CLIENT LIST` `tot-mem`) and the Lua script cache, read right before and right after scheduling (before any task is due), divided by the task count.",
    `- Delivered counts distinct tasks; lateness uses each task's earliest delivery; duplicates are handler runs beyond the first, across all consumer processes. After the last task arrives the bench waits ${settleMs} ms more for late duplicates. Plain keyspace notifications are broadcast: with two subscribed instances every expiry runs both handlers, which shows up as duplicates.`,
    '- Multi-instance cases run each instance in a consumer process of its own (`bench/drain-worker.ts`, forked once and reused by every case, warmed up first) that reports every handler run over IPC; the bench process only schedules.',
    '',
  );
  return out;
}
