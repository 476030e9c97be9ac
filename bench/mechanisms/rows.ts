/**
 * The rows every run compares: each mechanism at the same concurrency
 * settings, so tables and the chart put like beside like.
 */
import type { MechanismKind, MechanismRow } from './mechanism';

/** The module's documented default `concurrency`: what users run. */
const MODULE_DEFAULT_CONCURRENCY = 100;

/** The settings every mechanism that has a concurrency runs at: BullMQ's earlier 50 and the module's default. */
const SHARED_CONCURRENCIES = [50, MODULE_DEFAULT_CONCURRENCY] as const;

/** The module's earlier benchmark setting, kept as a row of its own. */
const MODULE_HIGH_CONCURRENCY = 1_000;

const at = (kind: MechanismKind, concurrency: number): MechanismRow => ({ kind, concurrency });

/** In report order: the floor (the reference) first, then the module, then its peers. */
export const STANDARD_ROWS: readonly MechanismRow[] = [
  { kind: 'floor' },
  ...SHARED_CONCURRENCIES.map((c) => at('delay-task', c)),
  at('delay-task', MODULE_HIGH_CONCURRENCY),
  // Plain keyspace notifications have no concurrency setting: one row.
  { kind: 'keyspace' },
  ...SHARED_CONCURRENCIES.map((c) => at('bullmq', c)),
];

/** The module at the settings users run: the row the "default settings" targets judge. */
export const MODULE_DEFAULT_ROW: MechanismRow = at('delay-task', MODULE_DEFAULT_CONCURRENCY);

/** Whether `row` is that of a mechanism at its default (or only) setting: the floor, keyspace, and the others at the module's default. */
export function atDefaultConcurrency(row: MechanismRow): boolean {
  return row.concurrency === undefined || row.concurrency === MODULE_DEFAULT_CONCURRENCY;
}
