import type { LatenessSnapshot } from '../telemetry/lateness-histogram';

export type {
  LatenessCounts,
  LatenessKind,
  LatenessSnapshot,
} from '../telemetry/lateness-histogram';

/** One live app instance running the module, from its last heartbeat (`DelayTaskService.instances`). */
export interface InstanceInfo {
  /** Random per start of the module: a restarted process is a new instance. */
  id: string;
  /** `os.hostname()` of its machine (a pod's name on Kubernetes). */
  host: string;
  pid: number;
  /** Its `@OnKeyExpired` patterns: the scheduled tasks it claims. Empty for an instance that only schedules. */
  patterns: string[];
  /** Its `concurrency` option. */
  concurrency: number;
  /** Scheduled-task deliveries it was running at its last heartbeat. */
  inFlight: number;
  /** When its module started, epoch ms on the Redis server's clock. */
  startedAt: number;
  /** Its last heartbeat, epoch ms on the Redis server's clock. */
  lastSeenAt: number;
  /**
   * Its lateness histogram at its last heartbeat: every delivery since it
   * started, cumulative counts per bound of `LATENESS_BUCKETS_SECONDS`.
   * Absent from instances of versions that did not report it.
   */
  lateness?: LatenessSnapshot;
}
