import { DelayTaskError } from './delay-task.error';

/**
 * Fewer replicas than `replication.replicas` acknowledged a write within
 * `replication.timeoutMs`. The write itself happened on the master: it is
 * pending and will fire, unless the master fails before a replica has it.
 */
export class ReplicationTimeoutError extends DelayTaskError {
  constructor(
    message: string,
    /** Fewest replicas that acknowledged, over the masters written to. */
    readonly acknowledged: number,
    /** Replicas required by `replication.replicas`. */
    readonly required: number,
  ) {
    super(message);
  }
}
