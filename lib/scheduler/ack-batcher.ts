import { Logger } from '@nestjs/common';
import { TaskStore } from '../store/task-store';
import { LeaseKeeper } from './lease-keeper';

interface Claim {
  shard: number;
  key: string;
  token: string;
}

/** Pause before retrying acknowledgements that Redis did not take (connection lost). */
const RETRY_DELAY_MS = 250;

/**
 * Acknowledges finished deliveries in batches: everything that finished in one
 * turn of the event loop goes to Redis in one script call per shard.
 *
 * NOTE: until an acknowledgement is written the lease is still renewed, so a
 * Redis blip delays the acknowledgement instead of causing a re-delivery.
 */
export class AckBatcher {
  private readonly logger = new Logger('DelayTaskModule');
  private pending: Claim[] = [];
  private flushing?: Promise<void>;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: TaskStore,
    private readonly leases: LeaseKeeper,
  ) {}

  /** Stops retrying: what is not acknowledged by now is re-delivered after its lease. */
  close(): void {
    this.closed = true;
  }

  add(claim: Claim): void {
    if (this.closed) return;
    this.pending.push(claim);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes everything queued so far; resolves when Redis has it (or it was re-queued after an error). */
  async flush(): Promise<void> {
    this.scheduled = false;
    await this.flushing;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = this.write(batch);
    await this.flushing;
  }

  private async write(batch: Claim[]): Promise<void> {
    const byShard = new Map<number, Claim[]>();
    for (const claim of batch) {
      const claims = byShard.get(claim.shard) ?? [];
      claims.push(claim);
      byShard.set(claim.shard, claims);
    }
    await Promise.all(
      [...byShard].map(async ([shard, claims]) => {
        try {
          await this.store.ack(shard, claims);
          claims.forEach((claim) => this.leases.release(claim));
        } catch (error) {
          this.logger.warn(
            `Could not acknowledge ${claims.length} task(s), retrying: ${String(error)}`,
          );
          setTimeout(() => claims.forEach((claim) => this.add(claim)), RETRY_DELAY_MS);
        }
      }),
    );
  }
}
