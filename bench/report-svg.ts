/**
 * Renders bench/lateness.svg by hand (no chart dependency): for every
 * workload and mechanism, lateness p50, p99 and max of all runs pooled, as
 * layered horizontal bars on a log axis.
 */
import type { CaseResult } from './case-runner';
import { formatInt, formatMs } from './format';
import type { Mechanism, MechanismId } from './mechanisms/mechanism';
import { summarize } from './stats';
import type { Workload } from './workloads';

const AXIS_MIN_MS = 0.1;
const AXIS_MAX_MS = 100_000;
const WIDTH = 1180;
const LABEL_X = 12;
const PLOT_LEFT = 300;
const PLOT_RIGHT = 850;
const TEXT_X = 862;
const TOP = 96;
const ROW = 20;
const BAR = 14;
const GROUP_GAP = 26;

const COLOURS: Record<MechanismId, string> = {
  'delay-task': '#1f6fb4',
  keyspace: '#d9711c',
  bullmq: '#2f9a46',
};

/** Opacity of each layer: max is drawn first and lightest, p50 last and darkest. */
const LAYERS = [
  { name: 'max', opacity: 0.28 },
  { name: 'p99', opacity: 0.58 },
  { name: 'p50', opacity: 1 },
] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** x of a lateness on the log axis; values at or below the axis minimum sit on it. */
function xOf(ms: number): number {
  const clamped = Math.min(AXIS_MAX_MS, Math.max(AXIS_MIN_MS, ms));
  const span = Math.log10(AXIS_MAX_MS) - Math.log10(AXIS_MIN_MS);
  return (
    PLOT_LEFT + ((Math.log10(clamped) - Math.log10(AXIS_MIN_MS)) / span) * (PLOT_RIGHT - PLOT_LEFT)
  );
}

function tickLabel(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

interface Pooled {
  mechanism: Mechanism;
  delivered: number;
  scheduled: number;
  p50: number;
  p99: number;
  max: number;
}

function pool(
  workload: Workload,
  mechanism: Mechanism,
  results: readonly CaseResult[],
): Pooled | undefined {
  const runs = results.filter(
    (r) => r.workload.id === workload.id && r.mechanism.id === mechanism.id && !r.error,
  );
  if (runs.length === 0) return undefined;
  const samples = new Float64Array(runs.reduce((n, r) => n + r.samples.length, 0));
  let at = 0;
  for (const r of runs) {
    samples.set(r.samples, at);
    at += r.samples.length;
  }
  const s = summarize(samples);
  return {
    mechanism,
    delivered: runs.reduce((n, r) => n + r.delivered, 0),
    scheduled: runs.reduce((n, r) => n + r.scheduled, 0),
    p50: s.p50,
    p99: s.p99,
    max: s.max,
  };
}

export function renderSvg(
  workloads: readonly Workload[],
  mechanisms: readonly Mechanism[],
  results: readonly CaseResult[],
  subtitle: string,
): string {
  const body: string[] = [];
  let y = TOP;

  for (const workload of workloads.filter((w) => w.kind !== 'memory')) {
    body.push(
      `<text x="${LABEL_X}" y="${y + 12}" class="group">${escapeXml(workload.title)}</text>`,
    );
    y += 18;
    for (const mechanism of mechanisms) {
      const p = pool(workload, mechanism, results);
      const colour = COLOURS[mechanism.id];
      body.push(
        `<text x="${LABEL_X + 14}" y="${y + BAR - 3}" class="label">${escapeXml(mechanism.label)}</text>`,
      );
      if (!p || p.delivered === 0) {
        body.push(
          `<text x="${PLOT_LEFT + 4}" y="${y + BAR - 3}" class="value">${p ? 'nothing delivered' : 'not measured'}</text>`,
        );
        y += ROW;
        continue;
      }
      for (const layer of LAYERS) {
        const value = p[layer.name];
        const width = Math.max(1, xOf(value) - PLOT_LEFT);
        body.push(
          `<rect x="${PLOT_LEFT}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${colour}" fill-opacity="${layer.opacity}"><title>${escapeXml(`${workload.title} · ${mechanism.label} · ${layer.name} ${formatMs(value)} ms`)}</title></rect>`,
        );
      }
      const share =
        p.delivered === p.scheduled
          ? ''
          : ` · ${formatInt(p.delivered)}/${formatInt(p.scheduled)} delivered`;
      body.push(
        `<text x="${TEXT_X}" y="${y + BAR - 3}" class="value">p50 ${formatMs(p.p50)} · p99 ${formatMs(p.p99)} · max ${formatMs(p.max)} ms${share}</text>`,
      );
      y += ROW;
    }
    y += GROUP_GAP - ROW + 12;
  }
  const height = y + 30;

  const grid: string[] = [];
  for (let ms = AXIS_MIN_MS; ms <= AXIS_MAX_MS * 1.0001; ms *= 10) {
    const x = xOf(ms).toFixed(1);
    const label = tickLabel(Number(ms.toPrecision(1)));
    grid.push(`<line x1="${x}" y1="${TOP - 8}" x2="${x}" y2="${height - 26}" class="grid"/>`);
    grid.push(`<text x="${x}" y="${TOP - 12}" class="tick">${label}</text>`);
    grid.push(`<text x="${x}" y="${height - 12}" class="tick">${label}</text>`);
  }

  const legend: string[] = [];
  let lx = PLOT_LEFT;
  for (const mechanism of mechanisms) {
    legend.push(`<rect x="${lx}" y="52" width="12" height="12" fill="${COLOURS[mechanism.id]}"/>`);
    legend.push(`<text x="${lx + 17}" y="62" class="label">${escapeXml(mechanism.label)}</text>`);
    lx += 40 + mechanism.label.length * 7;
  }
  lx += 20;
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
    '.grid{stroke:#ddd;stroke-width:1}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LABEL_X}" y="22" class="title">Lateness (fire − due), all runs pooled, log scale</text>`,
    `<text x="${LABEL_X}" y="40" class="sub">${escapeXml(subtitle)}</text>`,
    ...legend,
    ...grid,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
