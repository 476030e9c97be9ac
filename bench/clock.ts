/**
 * The one clock every bench process uses to stamp due times and fire times.
 *
 * NOTE: `Date.now()` is the clock Redis, BullMQ and the module schedule by, but
 * it only has millisecond resolution — too coarse for a 2 ms p99 target.
 * `performance.timeOrigin + performance.now()` is finer but is anchored once at
 * process start, so it can drift from the wall clock (NTP slewing) over a long
 * run and differs between processes started minutes apart. So we use the
 * monotonic clock, re-anchored to the exact edge of a `Date.now()` tick at the
 * start of every case and in every child process: sub-millisecond resolution,
 * same epoch as the mechanisms under test, no drift across a case.
 */

let offset = performance.timeOrigin;

/** Edges of `Date.now()` ticks `calibrateClock` measures, keeping the best. */
const CALIBRATION_TICKS = 5;

/**
 * Re-anchors the clock to the wall clock. Busy-waits for the next few
 * `Date.now()` ticks (about 1 ms each) so the anchor is accurate to
 * microseconds.
 *
 * NOTE: a preemption between reading the monotonic clock and seeing the tick
 * makes that edge's offset too large (the clock would read ahead, and on-time
 * deliveries would look early); it can never make it too small, so the
 * smallest offset over several edges is the true one.
 */
export function calibrateClock(): void {
  let best = Number.POSITIVE_INFINITY;
  for (let tick = 0; tick < CALIBRATION_TICKS; tick += 1) {
    const start = Date.now();
    let wall = start;
    let mono = 0;
    while (wall === start) {
      mono = performance.now();
      wall = Date.now();
    }
    best = Math.min(best, wall - mono);
  }
  offset = best;
}

/** Current time in epoch milliseconds, with sub-millisecond resolution. */
export function now(): number {
  return offset + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
