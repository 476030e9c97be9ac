/**
 * The results part of bench/RESULTS.md: every case of every run, in a table
 * for the timing workloads and one for the tasks all due at once, and the
 * notes the cases left.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import { table } from './markdown-table';
import { describeDrainCost, formatClaims, formatMicros } from './report-figures';
import { describeScriptCost } from './script-cost';

/** A rate or size only a mechanism that stores its tasks in Redis has. */
function storedFigure(r: CaseResult, value: number | undefined): string {
  return r.mechanism.storesTasks ? formatInt(value) : '–';
}

/** The columns every case has: what it is, what arrived, and how late. */
function caseCells(r: CaseResult): string[] {
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
    storedFigure(r, r.scheduleRate),
  ];
}

const CASE_HEADER = [
  'Workload',
  'Mechanism',
  'Run',
  'Delivered / scheduled',
  'Dup',
  'p50 ms',
  'p99 ms',
  'max ms',
  'Scheduling tasks/s',
];
const CASE_ALIGN = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;

function timingTable(results: readonly CaseResult[]): string {
  return table(
    [...CASE_HEADER, 'B / pending task', 'Claim calls / task'],
    results.map((r) => [
      ...caseCells(r),
      storedFigure(r, r.bytesPerTask),
      formatClaims(r.claimsPerTask),
    ]),
    [...CASE_ALIGN, 'r', 'r'],
  );
}

function allAtOnceTable(results: readonly CaseResult[]): string {
  return table(
    [
      ...CASE_HEADER,
      'Drain tasks/s',
      'B / pending task',
      'Redis CPU µs / task',
      'Lua µs / task',
      'Node CPU µs / task',
      'Claim calls / task',
    ],
    results.map((r) => [
      ...caseCells(r),
      formatInt(r.drainRate),
      storedFigure(r, r.bytesPerTask),
      formatMicros(r.drainCost?.redis),
      formatMicros(r.drainCost?.lua),
      formatMicros(r.drainCost?.node),
      formatClaims(r.claimsPerTask),
    ]),
    [...CASE_ALIGN, 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** The data commands that took most of the time, then the rest together. */
const COMMANDS_SHOWN = 6;

/**
 * Where the module's Redis time went in each burst: the data commands its
 * scripts ran, the scripts' own work (Lua, and turning values into Redis
 * arguments and replies back), and what Redis did outside the scripts
 * (reading and parsing requests, writing replies).
 */
function redisProfileTable(results: readonly CaseResult[]): string {
  return table(
    [
      'Workload',
      'Mechanism',
      'Run',
      'Redis CPU µs / task',
      'data commands µs / task',
      'in scripts besides their commands',
      'outside scripts',
    ],
    results.map((r) => {
      const cost = r.drainCost!;
      const inCommands = cost.commands.reduce((sum, { micros }) => sum + micros, 0);
      const shown = cost.commands
        .slice(0, COMMANDS_SHOWN)
        .map(({ command, micros }) => `${command} ${formatMicros(micros)}`);
      const rest = cost.commands.slice(COMMANDS_SHOWN).reduce((sum, { micros }) => sum + micros, 0);
      if (rest > 0) shown.push(`others ${formatMicros(rest)}`);
      return [
        r.workload.title,
        r.mechanism.label,
        String(r.run),
        formatMicros(cost.redis),
        `${formatMicros(inCommands)}: ${shown.join(', ')}`,
        formatMicros(cost.lua - inCommands),
        formatMicros(cost.redis - cost.lua),
      ];
    }),
    ['l', 'l', 'r', 'r', 'l', 'r', 'r'],
  );
}

function notesOf(results: readonly CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const notes = [...r.notes];
    if (r.perInstance)
      notes.push(`handler runs per instance: ${r.perInstance.map(formatInt).join(' + ')}`);
    if (r.besideBurstLateness)
      notes.push(
        `the burst beside the stream: p50 ${formatMs(r.besideBurstLateness.p50)}, p99 ${formatMs(r.besideBurstLateness.p99)}, max ${formatMs(r.besideBurstLateness.max)} ms, drained at ${formatInt(r.drainRate)} tasks/s`,
      );
    // Beside a stream, the burst's max lateness above already says when its last task came.
    if (r.drainMs !== undefined && !r.besideBurstLateness)
      notes.push(`last task delivered ${formatMs(r.drainMs)} ms after the due instant`);
    // The all-at-once table has columns for the drain cost; the timing table does not.
    if (r.drainCost && r.workload.spreadMs > 0)
      notes.push(`drain cost over stream and burst: ${describeDrainCost(r.drainCost)}`);
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

/** The results tables, the chart and the notes. */
export function renderResults(results: readonly CaseResult[], chartFile: string): string[] {
  const timing = results.filter((r) => r.workload.spreadMs > 0);
  const allAtOnce = results.filter((r) => r.workload.spreadMs === 0);
  const out: string[] = ['## Results', ''];
  out.push(
    'Lateness = fire time − intended due time, in ms, over the tasks delivered (beside a burst: the stream\'s tasks only). Dup = handler runs beyond the first. "–" for the floor\'s scheduling and memory: it stores nothing.',
    '',
  );
  if (timing.length) out.push('### Tasks due over a window', '', timingTable(timing), '');
  if (allAtOnce.length)
    out.push(
      '### Tasks due at one instant',
      '',
      'CPU and Lua per delivered task over the drain (see How it is measured).',
      '',
      allAtOnceTable(allAtOnce),
      '',
    );
  const profiled = allAtOnce.filter(
    (r) => r.mechanism.kind === 'delay-task' && r.drainCost && r.drainCost.commands.length > 0,
  );
  if (profiled.length)
    out.push(
      "### Where the module's Redis time goes in a burst",
      '',
      "Per delivered task, over the same drain: the data commands the scripts ran (`INFO commandstats` of each command; Redis counts a script's commands under their own names too), the scripts' own work besides them (Lua, and turning values into Redis arguments and replies back: the Lua figure minus the commands), and Redis' work outside the scripts (reading and parsing requests, writing replies: `INFO cpu` minus the Lua figure). The Lua and command figures are wall-clock time, so a row on a busy machine can show more in them than the CPU figure.",
      '',
      redisProfileTable(profiled),
      '',
    );
  out.push(
    `![Lateness distribution (p50, p90, p99, max) of every scheduled task per mechanism and workload, log scale](${chartFile})`,
    '',
  );
  const notes = notesOf(results);
  if (notes.length) out.push('## Notes', '', ...notes, '');
  return out;
}
