/**
 * Renders bench/lateness.svg by hand (no chart dependency): for every
 * workload and mechanism, the lateness distribution of all runs pooled —
 * p50, p90, p99 and max as layered horizontal bars on a log axis, so each bar
 * reads "this share of the scheduled tasks fired within this long". Tasks
 * never delivered count as infinitely late, so a lossy mechanism cannot look
 * punctual on the few tasks it did deliver. A workload has a bar only for the
 * rows (mechanism at a setting) it runs on; rows of one mechanism share its
 * hue, darker for higher concurrency.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import type { Mechanism, MechanismKind } from './mechanisms/mechanism';
import { LatenessSummary, summarize } from './stats';
import { runsOn, Workload } from './workloads';

const AXIS_MIN_MS = 0.1;
const AXIS_MAX_MS = 100_000;
const WIDTH = 1300;
const LABEL_X = 12;
const PLOT_LEFT = 300;
const PLOT_RIGHT = 850;
/** Where bars of undelivered tasks end, past the finite axis. */
const NEVER_X = PLOT_RIGHT + 40;
const TEXT_X = NEVER_X + 14;
const TOP = 112;
const ROW = 20;
const BAR = 14;
const GROUP_GAP = 26;

/** Shades of each mechanism's hue, light to dark, for its rows in order of concurrency. */
const SHADES: Record<MechanismKind, readonly string[]> = {
  floor: ['#666666'],
  'delay-task': ['#6baed6', '#1f6fb4', '#0b3c74', '#04203f'],
  keyspace: ['#d9711c'],
  bullmq: ['#74c476', '#2f9a46', '#10561f'],
};

/** Colour of each row, by row id: its mechanism's shades in the order the rows come. */
function rowColours(mechanisms: readonly Mechanism[]): Map<string, string> {
  const colours = new Map<string, string>();
  for (const m of mechanisms) {
    const shades = SHADES[m.kind];
    const nth = mechanisms.filter((o) => o.kind === m.kind).indexOf(m);
    colours.set(m.id, shades[Math.min(nth, shades.length - 1)]);
  }
  return colours;
}

/** Opacity of each layer: max is drawn first and lightest, p50 last and darkest. */
const LAYERS = [
  { name: 'max', opacity: 0.2 },
  { name: 'p99', opacity: 0.42 },
  { name: 'p90', opacity: 0.68 },
  { name: 'p50', opacity: 1 },
] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** x of a lateness on the log axis; values at or below the axis minimum sit on it, undelivered past its end. */
function xOf(ms: number): number {
  if (ms === Number.POSITIVE_INFINITY) return NEVER_X;
  const clamped = Math.min(AXIS_MAX_MS, Math.max(AXIS_MIN_MS, ms));
  const span = Math.log10(AXIS_MAX_MS) - Math.log10(AXIS_MIN_MS);
  return (
    PLOT_LEFT + ((Math.log10(clamped) - Math.log10(AXIS_MIN_MS)) / span) * (PLOT_RIGHT - PLOT_LEFT)
  );
}

function tickLabel(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function lateness(ms: number): string {
  return ms === Number.POSITIVE_INFINITY ? '∞' : formatMs(ms);
}

interface Pooled {
  runs: number;
  failed: number;
  delivered: number;
  scheduled: number;
  /** Over every scheduled task of the runs that completed; undelivered ones are +∞. */
  summary: LatenessSummary;
}

function pool(workload: Workload, mechanism: Mechanism, results: readonly CaseResult[]): Pooled {
  const all = results.filter(
    (r) => r.workload.id === workload.id && r.mechanism.id === mechanism.id,
  );
  const runs = all.filter((r) => !r.error);
  // The workload's own tasks: beside a burst, the stream's.
  const scheduled = runs.length * workload.tasks;
  const samples = new Float64Array(scheduled).fill(Number.POSITIVE_INFINITY);
  let at = 0;
  for (const r of runs) {
    samples.set(r.samples, at);
    at += workload.tasks;
  }
  return {
    runs: runs.length,
    failed: all.length - runs.length,
    delivered: runs.reduce((n, r) => n + r.samples.length, 0),
    scheduled,
    summary: summarize(samples),
  };
}

function mechanismRow(
  workload: Workload,
  mechanism: Mechanism,
  colour: string,
  p: Pooled,
  y: number,
): string[] {
  const row = [
    `<text x="${LABEL_X + 14}" y="${y + BAR - 3}" class="label">${escapeXml(mechanism.label)}</text>`,
  ];
  const failed = p.failed ? ` · ${p.failed} run${p.failed > 1 ? 's' : ''} failed` : '';
  if (p.runs === 0) {
    const text = p.failed ? failed.slice(3) : 'not measured';
    row.push(`<text x="${PLOT_LEFT + 4}" y="${y + BAR - 3}" class="value">${text}</text>`);
    return row;
  }
  for (const layer of LAYERS) {
    const value = p.summary[layer.name];
    const width = Math.max(1, xOf(value) - PLOT_LEFT);
    const tip = `${workload.title} · ${mechanism.label} · ${layer.name} ${lateness(value)} ms`;
    row.push(
      `<rect x="${PLOT_LEFT}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${colour}" fill-opacity="${layer.opacity}"><title>${escapeXml(tip)}</title></rect>`,
    );
  }
  const s = p.summary;
  const share =
    p.delivered === p.scheduled
      ? ''
      : ` · ${formatInt(p.delivered)}/${formatInt(p.scheduled)} delivered`;
  row.push(
    `<text x="${TEXT_X}" y="${y + BAR - 3}" class="value">p50 ${lateness(s.p50)} · p90 ${lateness(s.p90)} · p99 ${lateness(s.p99)} · max ${lateness(s.max)} ms${share}${failed}</text>`,
  );
  return row;
}

export function renderSvg(
  workloads: readonly Workload[],
  mechanisms: readonly Mechanism[],
  results: readonly CaseResult[],
  subtitle: string,
): string {
  const colours = rowColours(mechanisms);
  const colourOf = (m: Mechanism) => colours.get(m.id) ?? SHADES[m.kind][0];
  const body: string[] = [];
  let y = TOP;
  for (const workload of workloads) {
    const applicable = mechanisms.filter((m) => runsOn(workload, m));
    if (applicable.length === 0) continue;
    body.push(
      `<text x="${LABEL_X}" y="${y + 12}" class="group">${escapeXml(workload.title)}</text>`,
    );
    y += 18;
    for (const mechanism of applicable) {
      body.push(
        ...mechanismRow(
          workload,
          mechanism,
          colourOf(mechanism),
          pool(workload, mechanism, results),
          y,
        ),
      );
      y += ROW;
    }
    y += GROUP_GAP - ROW + 12;
  }
  const height = y + 30;

  const grid: string[] = [];
  const tick = (x: number, label: string, dashed = false) => {
    grid.push(
      `<line x1="${x.toFixed(1)}" y1="${TOP - 8}" x2="${x.toFixed(1)}" y2="${height - 26}" class="grid${dashed ? ' never' : ''}"/>`,
    );
    grid.push(`<text x="${x.toFixed(1)}" y="${TOP - 12}" class="tick">${label}</text>`);
    grid.push(`<text x="${x.toFixed(1)}" y="${height - 12}" class="tick">${label}</text>`);
  };
  for (let ms = AXIS_MIN_MS; ms <= AXIS_MAX_MS * 1.0001; ms *= 10) {
    tick(xOf(ms), tickLabel(Number(ms.toPrecision(1))));
  }
  tick(NEVER_X, '∞', true);

  // Every bar is labelled with its row, so the legend only explains the layers.
  const legend: string[] = [];
  let lx = PLOT_LEFT;
  for (const layer of [...LAYERS].reverse()) {
    legend.push(
      `<rect x="${lx}" y="52" width="22" height="12" fill="#555" fill-opacity="${layer.opacity}"/>`,
    );
    legend.push(`<text x="${lx + 27}" y="62" class="label">${layer.name}</text>`);
    lx += 70;
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    '<style>',
    '.title{font-size:16px;font-weight:600;fill:#222}.sub{font-size:11px;fill:#666}',
    '.group{font-size:13px;font-weight:600;fill:#222}.label{font-size:12px;fill:#333}',
    '.value{font-size:11px;fill:#333}.tick{font-size:10px;fill:#777;text-anchor:middle}',
    '.grid{stroke:#ddd;stroke-width:1}.never{stroke:#bbb;stroke-dasharray:3 3}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LABEL_X}" y="22" class="title">Lateness (fire − due) of every scheduled task, all runs pooled, log scale</text>`,
    `<text x="${LABEL_X}" y="40" class="sub">${escapeXml(subtitle)}</text>`,
    `<text x="${LABEL_X}" y="84" class="sub">A bar reaches the lateness within which that share of tasks fired (p50: half of them). ∞: not delivered within the bench's wait.</text>`,
    ...legend,
    ...grid,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
