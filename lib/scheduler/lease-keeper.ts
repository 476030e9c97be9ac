import { Logger } from '@nestjs/common';
import { TaskStore } from '../store/task-store';

interface Claim {
  shard: number;
  key: string;
  token: string;
}

/**
 * Keeps the leases of this instance's running deliveries alive, so a slow but
 * live handler is never taken over by another instance. When this instance
 * dies, renewals stop and the leases run out: that is how others know.
 *
 * NOTE: a lease belongs to a claim, which took many tasks at once; it is
 * renewed while any delivery of that claim runs here.
 */
export class LeaseKeeper {
  private readonly logger = new Logger('DelayTaskModule');
  /** Per shard: claim number -> keys of its deliveries still running. */
  private readonly held = new Map<number, Map<string, Set<string>>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: TaskStore,
    private readonly leaseMs: number,
  ) {}

  start(): void {
    // Three renewals per lease: one may fail on a blip without the lease running out.
    this.timer = setInterval(
      () => void this.renewAll(),
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.held.clear();
  }

  hold({ shard, key, token }: Claim): void {
    let claims = this.held.get(shard);
    if (!claims) this.held.set(shard, (claims = new Map()));
    let keys = claims.get(token);
    if (!keys) claims.set(token, (keys = new Set()));
    keys.add(key);
  }

  release({ shard, key, token }: Claim): void {
    const claims = this.held.get(shard);
    const keys = claims?.get(token);
    if (!keys?.delete(key)) return;
    if (keys.size === 0) claims!.delete(token);
  }

  private async renewAll(): Promise<void> {
    for (const [shard, claims] of this.held) {
      if (claims.size === 0) continue;
      const batch = [...claims.keys()];
      try {
        await this.store.renew(shard, this.leaseMs, batch);
      } catch (error) {
        this.logger.warn(`Could not renew ${batch.length} lease(s): ${String(error)}`);
      }
    }
  }
}
