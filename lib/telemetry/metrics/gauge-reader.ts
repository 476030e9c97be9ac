import { OverdueInspector } from '../../stats/overdue-inspector';
import { StoreStats, TaskStore } from '../../store/task-store';
import { GaugeName } from './metric-definitions';

export type GaugeValues = Readonly<Record<GaugeName, number>>;

/**
 * Reads the gauges when an exporter collects, never on a timer: the store's
 * counts (ZCARD, ZCOUNT, HLEN: O(log n) per shard), the head of the due index,
 * and this instance's deliveries in flight.
 *
 * NOTE: a Prometheus scrape asks every gauge at once; they share one read.
 */
export class GaugeReader {
  private reading?: Promise<GaugeValues>;
  private readonly collectHooks = new Set<() => void>();

  constructor(
    private readonly store: TaskStore,
    private readonly overdue: OverdueInspector,
    private readonly inFlight: () => number,
  ) {}

  read(): Promise<GaugeValues> {
    if (this.reading) return this.reading;
    for (const hook of this.collectHooks) hook();
    this.reading = this.readNow().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Runs `hook` once per collection (the keyspace probe); returns what removes it. */
  onCollect(hook: () => void): () => void {
    this.collectHooks.add(hook);
    return () => this.collectHooks.delete(hook);
  }

  private async readNow(): Promise<GaugeValues> {
    let stats: StoreStats, oldestOverdueMs: number;
    try {
      [stats, oldestOverdueMs] = await Promise.all([
        this.store.stats(),
        this.overdue.oldestOverdueMs(),
      ]);
    } catch {
      // Redis unreachable: the store's gauges say "unknown" (NaN) and the rest of a scrape still works.
      stats = { pending: NaN, overdue: NaN, active: NaN, dead: NaN };
      oldestOverdueMs = NaN;
    }
    return {
      pending: stats.pending,
      overdue: stats.overdue,
      oldestOverdue: oldestOverdueMs / 1000,
      active: stats.active,
      dead: stats.dead,
      inFlight: this.inFlight(),
    };
  }
}
