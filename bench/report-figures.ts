/** Figures of a case written the same way in the progress lines, the tables and the notes. */
import type { DrainCost } from './drain-cost';

/** Microseconds per task: 4.27, 12.3. */
export function formatMicros(micros: number | undefined): string {
  if (micros === undefined || !Number.isFinite(micros)) return '–';
  return micros < 10 ? micros.toFixed(2) : micros.toFixed(1);
}

/** Claim calls per task, to the third decimal the ≤ 1.05 target needs. */
export function formatClaims(perTask: number | undefined): string {
  return perTask === undefined || !Number.isFinite(perTask) ? '–' : perTask.toFixed(3);
}

/** "Redis 4.27 µs (Lua 3.10), Node 6.02 µs per task". */
export function describeDrainCost(cost: DrainCost): string {
  return `Redis ${formatMicros(cost.redis)} µs (Lua ${formatMicros(cost.lua)}), Node ${formatMicros(cost.node)} µs per task`;
}
