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

/** Longest gap between two readings for a tick edge to count: a wider one was preempted. */
const EDGE_PRECISION_MS = 0.005;
/** Ticks `calibrateClock` waits for, at most, to see one clean edge. */
const MAX_CALIBRATION_TICKS = 50;

/**
 * Re-anchors the clock to the wall clock. Busy-waits for the next
 * `Date.now()` tick (about 1 ms) so the anchor is accurate to microseconds.
 *
 * NOTE: the tick happened between the last reading of the old value and the
 * first of the new one. If the process was preempted in between, the monotonic
 * reading taken with the new value is late, the anchor too small, and on-time
 * deliveries would look early; such an edge is thrown away and the next one
 * awaited.
 */
export function calibrateClock(): void {
  for (let tick = 0; tick < MAX_CALIBRATION_TICKS; tick += 1) {
    const start = Date.now();
    let before = performance.now();
    let wall = start;
    let mono = before;
    while (wall === start) {
      before = mono;
      mono = performance.now();
      wall = Date.now();
    }
    offset = wall - mono;
    if (mono - before <= EDGE_PRECISION_MS) return;
  }
}

/** Current time in epoch milliseconds, with sub-millisecond resolution. */
export function now(): number {
  return offset + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
