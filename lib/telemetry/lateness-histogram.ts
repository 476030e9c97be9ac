import { ExpiredKeySource } from '../interfaces/expired-key-event.interface';

/**
 * Upper bounds (seconds) of the lateness buckets, 1 ms to 1 h: fine where a
 * punctual delivery lands, coarse where only the order of magnitude matters.
 */
export const LATENESS_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800,
  3600,
];

/** Where a delivery came from, for lateness: a scheduled task, or a plain key Redis expired. */
export type LatenessKind = 'scheduled' | 'keyspace';

/** Cumulative counts of one kind: `buckets[i]` deliveries at most `LATENESS_BUCKETS_SECONDS[i]` late. */
export interface LatenessCounts {
  buckets: number[];
  /** Every observation, the ones past the last bound included. */
  count: number;
  sumSeconds: number;
}

export type LatenessSnapshot = Readonly<Record<LatenessKind, LatenessCounts>>;

/** The kind a delivery's lateness is counted under. */
export function latenessKind(source: ExpiredKeySource): LatenessKind {
  return source === 'keyspace' ? 'keyspace' : 'scheduled';
}

/**
 * This instance's lateness of every delivery since it started, counted in
 * process (an array increment per delivery) so exporters and the dashboard
 * read the same numbers without touching Redis.
 */
export class LatenessHistogram {
  private readonly counts: Record<LatenessKind, LatenessCounts> = {
    scheduled: emptyCounts(),
    keyspace: emptyCounts(),
  };

  /** Counts one delivery `latenessMs` after the moment it became due (negative counts as 0). */
  observe(kind: LatenessKind, latenessMs: number): void {
    const seconds = Math.max(0, latenessMs) / 1000;
    const counts = this.counts[kind];
    counts.count += 1;
    counts.sumSeconds += seconds;
    // Non-cumulative here, so an observation touches one slot; snapshot() accumulates.
    const slot = LATENESS_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    if (slot >= 0) counts.buckets[slot] += 1;
  }

  snapshot(): LatenessSnapshot {
    return {
      scheduled: cumulative(this.counts.scheduled),
      keyspace: cumulative(this.counts.keyspace),
    };
  }
}

function emptyCounts(): LatenessCounts {
  return { buckets: LATENESS_BUCKETS_SECONDS.map(() => 0), count: 0, sumSeconds: 0 };
}

function cumulative(counts: LatenessCounts): LatenessCounts {
  let running = 0;
  return {
    buckets: counts.buckets.map((inBucket) => (running += inBucket)),
    count: counts.count,
    sumSeconds: counts.sumSeconds,
  };
}
