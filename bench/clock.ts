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

/**
 * Re-anchors the clock to the wall clock. Busy-waits for the next `Date.now()`
 * tick (at most about 1 ms) so the anchor is accurate to microseconds.
 */
export function calibrateClock(): void {
  const start = Date.now();
  let wall = start;
  let mono = 0;
  while (wall === start) {
    mono = performance.now();
    wall = Date.now();
  }
  offset = wall - mono;
}

/** Current time in epoch milliseconds, with sub-millisecond resolution. */
export function now(): number {
  return offset + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
