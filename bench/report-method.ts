/**
 * The method part of bench/RESULTS.md: the workloads, what runs on which
 * rows and why, each row's settings, and how every figure is measured.
 */
import { duplicateWatchMs, LEAD_SAFETY } from './case-runner';
import { DRAIN_READING_LEAD_MS } from './drain-cost';
import { formatInt } from './format';
import type { Mechanism } from './mechanisms/mechanism';
import { rowId, rowLabel } from './mechanisms/mechanism';
import { OVERDUE_BY_MS, UNHANDLED_KEY_PREFIX } from './unhandled-crowd';
import { PLAN_NOTES, Workload } from './workloads';

export interface MethodInput {
  runs: number;
  workloads: readonly Workload[];
  mechanisms: readonly Mechanism[];
  pacing: { leadMarginMs: number; settleMs: number };
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
  if (w.besideBurst)
    parts.push(
      `${formatInt(w.besideBurst)} more tasks all due at the stream's first due time, scheduled with it and handled by the same instance (the stream's lateness is the figure; the burst's is in the notes)`,
    );
  return parts.map((part) => `, ${part}`).join('');
}

function workloadLine(w: Workload): string {
  const where =
    w.instances === 0
      ? 'consumer in the bench process'
      : `${w.instances} consumer process${w.instances > 1 ? 'es' : ''}, scheduling from the bench process`;
  const wait = `wait bounded at ${w.waitMs / 1000} s after the last due time`;
  switch (w.kind) {
    case 'timing':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks due evenly over ${w.spreadMs / 1000} s, Redis hz ${w.hz}${crowdOf(w)}; ${where}; ${wait}.${w.baselineId ? ` Judged against \`${w.baselineId}\` of the same run.` : ''}`;
    case 'burst':
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks all due at the same millisecond, Redis hz ${w.hz}; ${where}; ${wait}. Drain throughput = tasks delivered / (time the last one was first delivered − due instant).`;
    case 'in-flight': {
      const tuning = w.tuning;
      const handlers = tuning
        ? `, each handler resolving ${formatInt(tuning.handlerMs)} ms after it starts, module \`leaseMs\` ${formatInt(tuning.leaseMs)} (so every lease is renewed while its handler runs)`
        : '';
      return `- **${w.title}**: ${formatInt(w.tasks)} tasks all due at the same millisecond${handlers}, Redis hz ${w.hz}; ${where}; ${wait}. Handler runs are counted for ${duplicateWatchMs(w) / 1000} s more after the last first delivery (a handler, a lease and a sweep interval), so a lease that lapsed shows up as a duplicate. Lua cost = \`INFO commandstats\` EVALSHA and EVAL from scheduling to the end of that watch, over the tasks.`;
    }
  }
}

/** One workload's line of "What runs and why": its rows, how often, and the reasons. */
function planLine(w: Workload, runs: number, measured: readonly Mechanism[]): string {
  const rows = w.rows.filter((row) => measured.some((m) => m.id === rowId(row)));
  const labels = rows.map(rowLabel).join(', ');
  const why = w.rowsReason ? ` (${w.rowsReason})` : ' (every row)';
  const once =
    runs > 1 && w.firstRunOnly
      ? `; ${w.firstRunOnly.kinds.join(', ')} in the first run only: ${w.firstRunOnly.reason}`
      : '';
  return `- **${w.title}**: ${labels || 'no row selected'}${why}${once}.`;
}

export function renderMethod(input: MethodInput): string[] {
  const { leadMarginMs, settleMs } = input.pacing;
  return [
    '## Workloads',
    '',
    ...input.workloads.map(workloadLine),
    '',
    '## What runs and why',
    '',
    `Rows of this run: ${input.mechanisms.map((m) => m.label).join(', ')}. A row is one mechanism at one setting (the module's \`concurrency\`, BullMQ's worker \`concurrency\`); plain keyspace notifications and the floor have no such setting and run once. Figures are only compared between rows of the same run.`,
    '',
    ...input.workloads.map((w) => planLine(w, input.runs, input.mechanisms)),
    ...PLAN_NOTES.map((note) => `- ${note}`),
    '',
    '## Settings',
    '',
    ...input.mechanisms.map((m) => `- **${m.label}**: ${m.describeSettings()}`),
    '',
    '## How it is measured',
    '',
    '- One `redis-server` started by the bench (no persistence). Before every case: `FLUSHALL`, `CONFIG SET hz`, and `notify-keyspace-events` set to `Ex` for the keyspace mechanism and off for the others. Rows take turns within each run.',
    '- Due times are absolute integer epoch ms chosen on the local clock and passed as such (module: `at`; BullMQ: `timestamp` + `delay`; keyspace: `SET … PXAT`; floor: a timer to it), so lateness is measured against the due time actually requested. A handler stamps its fire time first thing, on the same machine, with `performance.now()` re-anchored to the edge of a `Date.now()` tick at the start of every case and of every consumer process (sub-millisecond, no drift).',
    `- Scheduling starts ${leadMarginMs} ms plus ${LEAD_SAFETY} × the time the mechanism needed for as many tasks earlier before the first due time; a note says so if scheduling still ran past it. Scheduling throughput = tasks / duration of the scheduling calls, 10,000 tasks per call, one call after the other, for every mechanism.`,
    "- Tasks carry no payload (module: none; BullMQ: job data `{}`, the job name is the key; keyspace: value `1`), so memory per pending task is the mechanism's own cost. It is `MEMORY STATS` `total.allocated` minus the live memory of every client connection (`CLIENT LIST` `tot-mem`) and the Lua script cache, read right before and right after scheduling (before any task is due), divided by the task count.",
    `- Delivered counts distinct tasks; lateness uses each task's earliest delivery; duplicates are handler runs beyond the first, across all consumer processes. After the last task arrives the bench waits ${settleMs} ms more for late duplicates. Plain keyspace notifications are broadcast: with two subscribed instances every expiry runs both handlers, which shows up as duplicates.`,
    '- Multi-instance cases, the bursts and the stream beside a burst run each instance in a consumer process of its own (`bench/drain-worker.ts`, forked once and reused by every case, warmed up first) that reports every handler run over IPC; the bench process only schedules.',
    `- CPU per delivered task, for the cases consumed in consumer processes: read ${DRAIN_READING_LEAD_MS} ms before the due instant (scheduling is over) and again at the end of the settle wait, divided by the tasks delivered. Redis: the bench redis-server's \`INFO cpu\` \`used_cpu_user\` + \`used_cpu_sys\` — everything it did, expiring keys and publishing their events included, counted once (the \`INFO commandstats\` usec total would count every command a script or MULTI ran twice, and none of the expiry work plain keyspace notifications cost). Lua: \`INFO commandstats\` EVALSHA + EVAL usec, for comparison with the issue, which measured that way; it is wall-clock time inside the scripts, so where Redis is descheduled mid-script (2 cores, busy) it can exceed the CPU figure. Node: \`process.cpuUsage()\` user + system of the consumer processes, summed, reported over IPC; it includes their reporting of each fire to the bench, the same for every mechanism.`,
    "- The floor's lateness is that of a Node timer plus one round trip to the bench Redis on this machine, tails included: its own spread between runs (its column in the targets) is the noise the 1 ms margin is judged against.",
    '- Claim calls per task, the module only: calls of `TaskStore.prototype.claim` (one claim script run each), counted by a wrapper in the consuming process (the bench process, or each consumer process, reported over IPC) from before scheduling to the end of the settle wait, divided by the tasks delivered.',
    '',
  ];
}
