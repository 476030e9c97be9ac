/**
 * Translates between this process' clock and the Redis server's.
 *
 * NOTE: due times live on Redis' clock (scripts read `TIME`), so an app
 * instance whose clock is off neither fires early nor late. Every script reply
 * that carries Redis' time refines the offset; samples from slow round trips
 * are ignored because their midpoint says little.
 */
export class RedisClock {
  private offsetMs = 0;
  private bestRoundTripMs = Number.POSITIVE_INFINITY;
  private synced = false;

  /** Feeds one observation: Redis said `redisNowMs` during a round trip from `sentAt` to `receivedAt` (local ms). */
  observe(redisNowMs: number, sentAt: number, receivedAt: number): void {
    const roundTrip = receivedAt - sentAt;
    // Accept a sample close to the best seen; let the bar drift up so a slower network is followed.
    if (this.synced && roundTrip > this.bestRoundTripMs * 2 + 1) {
      this.bestRoundTripMs += 0.1;
      return;
    }
    this.bestRoundTripMs = Math.min(this.bestRoundTripMs, roundTrip);
    this.offsetMs = redisNowMs - (sentAt + receivedAt) / 2;
    this.synced = true;
  }

  /** Redis' current time, estimated. */
  now(): number {
    return Math.round(Date.now() + this.offsetMs);
  }

  /** Milliseconds from now until a moment on Redis' clock (negative when past). */
  msUntil(redisTimeMs: number): number {
    return redisTimeMs - (Date.now() + this.offsetMs);
  }
}
