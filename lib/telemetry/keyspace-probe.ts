import type { Cluster, Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { TaskMetrics } from './metrics/task-metrics';

/** How long after it is written a probe key expires, ms. */
const PROBE_TTL_MS = 1;
/** Probes awaiting their expired event; past this the oldest is given up (its event was lost). */
const MAX_OUTSTANDING = 16;

/**
 * Measures how late Redis publishes expired events, the lateness of plain
 * keys: an expired event carries only the key's name, so the module cannot
 * know when a user's key was due. Instead, on each metrics collection, it
 * writes a key of its own (`<prefix>:probe:<instance>:<n>`) that expires
 * 1 ms later, and counts how long its expired event took to arrive as a
 * `keyspace` lateness observation. The probe lands on whichever master owns
 * its slot, so on a cluster successive probes sample different masters.
 */
export class KeyspaceProbe {
  private readonly outstanding = new Map<string, number>();
  private sequence = 0;
  private readonly prefix: string;

  constructor(
    private readonly client: Redis | Cluster,
    ownPrefix: string,
    instanceId: string,
    private readonly metrics: TaskMetrics,
  ) {
    this.prefix = `${ownPrefix}:probe:${instanceId}:`;
  }

  /** Writes the next probe key (fire and forget: a failed write only skips a sample). */
  send(): void {
    const key = this.prefix + this.sequence++;
    if (this.outstanding.size >= MAX_OUTSTANDING) {
      this.outstanding.delete(this.outstanding.keys().next().value as string);
    }
    // Due when Redis sets it plus its TTL: measured on this process' monotonic clock, as its event is.
    this.outstanding.set(key, performance.now() + PROBE_TTL_MS);
    this.client.set(key, '1', 'PX', PROBE_TTL_MS).catch(() => this.outstanding.delete(key));
  }

  /** Takes an expired key of the module's own; counts it if it is one of this instance's probes. */
  expired(key: Buffer): void {
    const name = key.toString('utf8');
    const dueAt = this.outstanding.get(name);
    if (dueAt === undefined) return;
    this.outstanding.delete(name);
    this.metrics.observeLateness('keyspace', performance.now() - dueAt);
  }
}
