import type { ChainableCommander } from 'ioredis';
import { replicationTimedOut } from '../delay-task.messages';
import { ReplicationTimeoutError } from '../errors/replication-timeout.error';
import { ReplicationOptions } from '../interfaces/delay-task-module-options.interface';

/**
 * Makes a write wait until enough replicas have it (`WAIT numreplicas timeout`).
 *
 * NOTE: WAIT counts the replicas that acknowledged the last write of *the
 * connection it runs on*, and on a Cluster a keyless command goes to a random
 * node. So it is queued in the same pipeline as the write: same connection,
 * same master (the one owning the shard's slot), right after the write.
 */
export class ReplicationWait {
  constructor(private readonly options: ReplicationOptions) {}

  /** Queues WAIT after the writes already in `pipeline`. */
  queue(pipeline: ChainableCommander): void {
    pipeline.wait(this.options.replicas, this.options.timeoutMs);
  }

  /**
   * Throws a `ReplicationTimeoutError` when the fewest acknowledgements over
   * the masters written to fall short; `written` says what was written anyway.
   */
  check(acknowledgements: number[], written: number): void {
    if (acknowledgements.length === 0) return;
    const fewest = Math.min(...acknowledgements);
    if (fewest >= this.options.replicas) return;
    throw new ReplicationTimeoutError(
      replicationTimedOut(written, fewest, this.options.replicas, this.options.timeoutMs),
      fewest,
      this.options.replicas,
    );
  }
}
