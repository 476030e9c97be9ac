/**
 * What each mechanism's scheduling rate was in earlier cases. It sizes the
 * lead between the start of scheduling and the first due time: long enough
 * for scheduling to finish first, no longer than needed (a burst waits it out).
 * Kept per mechanism, not per row: the bench schedules from an endpoint that
 * does not consume, so the row's concurrency plays no part.
 */
import type { MechanismKind } from './mechanisms/mechanism';

/** Rate assumed before a mechanism has been measured (tasks/s); deliberately low. */
const DEFAULT_RATE = 10_000;

export class RateHints {
  /** Latest rate per mechanism and task count, and per mechanism whatever the count. */
  private readonly rates = new Map<string, number>();

  record(mechanism: MechanismKind, tasks: number, rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0) return;
    this.rates.set(`${mechanism}:${tasks}`, rate);
    this.rates.set(mechanism, rate);
  }

  /** The rate of the last case of the same size, else of the last case, else a low default. */
  hint(mechanism: MechanismKind, tasks: number): number {
    return this.rates.get(`${mechanism}:${tasks}`) ?? this.rates.get(mechanism) ?? DEFAULT_RATE;
  }
}
