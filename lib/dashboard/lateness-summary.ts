import { InstanceInfo } from '../interfaces/instance-info.interface';
import {
  LATENESS_BUCKETS_SECONDS,
  LatenessCounts,
  LatenessKind,
  LatenessSnapshot,
} from '../telemetry/lateness-histogram';

/** The lateness of every live instance's deliveries, added up (`GET <path>/api/stats`). */
export interface LatenessSummary {
  /** Upper bound of each bucket, seconds; `buckets[i]` of a kind counts deliveries at most that late. */
  boundsSeconds: readonly number[];
  scheduled: LatenessCounts;
  keyspace: LatenessCounts;
  /** Live instances whose heartbeat carried a histogram with these bounds, i.e. the ones added up. */
  instances: number;
}

const KINDS: readonly LatenessKind[] = ['scheduled', 'keyspace'];

/**
 * Adds up the histograms the live instances' heartbeats carry, so a web tier
 * that runs no handlers still shows its workers' lateness. Cumulative counts
 * add bucket by bucket; a histogram with other bounds (another version of the
 * module) cannot be added and is left out of `instances`.
 */
export function summariseLateness(instances: readonly InstanceInfo[]): LatenessSummary {
  const summary: LatenessSummary = {
    boundsSeconds: LATENESS_BUCKETS_SECONDS,
    scheduled: emptyCounts(),
    keyspace: emptyCounts(),
    instances: 0,
  };
  for (const { lateness } of instances) {
    if (!lateness || !hasOurBounds(lateness)) continue;
    summary.instances += 1;
    for (const kind of KINDS) {
      const total = summary[kind];
      const counts = lateness[kind];
      total.count += counts.count;
      total.sumSeconds += counts.sumSeconds;
      counts.buckets.forEach((count, index) => (total.buckets[index] += count));
    }
  }
  return summary;
}

function hasOurBounds(snapshot: LatenessSnapshot): boolean {
  return KINDS.every(
    (kind) =>
      Array.isArray(snapshot[kind]?.buckets) &&
      snapshot[kind].buckets.length === LATENESS_BUCKETS_SECONDS.length,
  );
}

function emptyCounts(): LatenessCounts {
  return { buckets: LATENESS_BUCKETS_SECONDS.map(() => 0), count: 0, sumSeconds: 0 };
}
