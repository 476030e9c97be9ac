/**
 * Collects every delivery of one case, from any process, so deliveries,
 * duplicates and lateness are counted the same way for every mechanism.
 */

export class FireLog {
  /** Earliest fire time per task (NaN until delivered): lateness is judged on the first delivery. */
  private readonly firstFire: Float64Array;
  /** Deliveries per task, capped at 255; anything above 1 is a duplicate. */
  private readonly deliveries: Uint8Array;
  private readonly perInstance: number[];
  private waiter: (() => void) | undefined;

  /** Tasks delivered at least once. */
  distinct = 0;
  /** Deliveries whose key was not one of this case's tasks. */
  stray = 0;

  constructor(
    readonly size: number,
    instances: number,
  ) {
    this.firstFire = new Float64Array(size).fill(Number.NaN);
    this.deliveries = new Uint8Array(size);
    this.perInstance = new Array<number>(Math.max(1, instances)).fill(0);
  }

  /** Records one handler run; `instance` is the consumer process (0 when in-process). */
  record(index: number, firedAt: number, instance: number): void {
    this.perInstance[instance] = (this.perInstance[instance] ?? 0) + 1;
    if (index < 0 || index >= this.size) {
      this.stray += 1;
      return;
    }
    if (this.deliveries[index] < 255) this.deliveries[index] += 1;
    const first = this.firstFire[index];
    // Reports from different processes may arrive out of order: keep the earliest run.
    if (!(first <= firedAt)) this.firstFire[index] = firedAt;
    if (Number.isNaN(first)) {
      this.distinct += 1;
      if (this.distinct === this.size) this.waiter?.();
    }
  }

  /** Runs beyond the first, summed over tasks. */
  get duplicates(): number {
    let extra = 0;
    for (const count of this.deliveries) if (count > 1) extra += count - 1;
    return extra;
  }

  /** Handler runs per consumer instance. */
  get handledPerInstance(): readonly number[] {
    return this.perInstance;
  }

  /** When the last of the tasks `from` ≤ index < `to` was first delivered: the end of their drain. */
  lastFirstFire(from = 0, to = this.size): number {
    let last = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i += 1) if (this.firstFire[i] > last) last = this.firstFire[i];
    return last;
  }

  /** Resolves true once every task has been delivered, or false after `timeoutMs`. */
  async whenComplete(timeoutMs: number): Promise<boolean> {
    if (this.distinct === this.size) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiter = finish;
    });
    this.waiter = undefined;
    return this.distinct === this.size;
  }

  /** Lateness (fire − due, ms) of each delivered task `from` ≤ index < `to`. */
  lateness(dueAt: Float64Array, from = 0, to = this.size): Float64Array {
    const samples: number[] = [];
    for (let i = from; i < to; i += 1) {
      const fired = this.firstFire[i];
      if (!Number.isNaN(fired)) samples.push(fired - dueAt[i]);
    }
    return Float64Array.from(samples);
  }
}
