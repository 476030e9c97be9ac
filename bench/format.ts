/** Number formatting shared by the Markdown table and the chart. */

/** Milliseconds with precision that suits the magnitude: 0.42, 12.3, 1,234. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs < 10) return ms.toFixed(2);
  if (abs < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

/** A rate or count with thousands separators, or a dash when unknown. */
export function formatInt(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}
