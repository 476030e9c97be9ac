import { performance } from 'node:perf_hooks';

/**
 * Translates between this process' clock and the Redis server's.
 *
 * NOTE: due times live on Redis' clock (scripts read `TIME`), so an app
 * instance whose clock is off neither fires early nor late. The local side is
 * the monotonic `performance.now()`, which no wall-clock adjustment moves and
 * which resolves below the millisecond, as timing a due time to the
 * millisecond needs. Every script reply that carries Redis' time refines the
 * offset; samples from slow round trips are ignored because their midpoint
 * says little.
 */
export class RedisClock {
  /** Until a script reply says otherwise, this process' wall clock stands in for Redis'. */
  private offsetMs = Date.now() - performance.now();
  private bestRoundTripMs = Number.POSITIVE_INFINITY;
  private synced = false;

  /** This process' monotonic clock, ms: what `observe` takes as `sentAt` and `receivedAt`. */
  localNow(): number {
    return performance.now();
  }

  /** Feeds one observation: Redis said `redisNowMs` during a round trip from `sentAt` to `receivedAt` (`localNow()`). */
  observe(redisNowMs: number, sentAt: number, receivedAt: number): void {
    const roundTrip = receivedAt - sentAt;
    // Accept a sample close to the best seen; let the bar drift up so a slower network is followed.
    if (this.synced && roundTrip > this.bestRoundTripMs * 2 + 0.1) {
      this.bestRoundTripMs += 0.01;
      return;
    }
    this.bestRoundTripMs = Math.min(this.bestRoundTripMs, roundTrip);
    this.offsetMs = redisNowMs - (sentAt + receivedAt) / 2;
    this.synced = true;
  }

  /** Redis' current time, estimated, in whole epoch ms. */
  now(): number {
    return Math.round(performance.now() + this.offsetMs);
  }

  /** Milliseconds from now until a moment on Redis' clock (negative when past). */
  msUntil(redisTimeMs: number): number {
    return redisTimeMs - (performance.now() + this.offsetMs);
  }
}
