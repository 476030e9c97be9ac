import type { Cluster, Redis } from 'ioredis';

/** How often the slot map is re-read while every master's subscriber is connected. */
const CALM_REFRESH_MS = 2_000;
/** How often while one is not: a master may have died, and its replica's promotion should be seen fast. */
const URGENT_REFRESH_MS = 250;

/** `host:port` of a cluster node, as the pool names it (after any NAT mapping). */
export function nodeAddress(node: Redis): string {
  return `${node.options.host ?? 'localhost'}:${node.options.port ?? 6379}`;
}

/**
 * Which nodes of a Redis Cluster are masters now. Reports the full set each
 * time it changes: after a failover (a replica promoted, the dead master
 * gone), a node added, slots moved.
 *
 * NOTE: ioredis re-reads the slot map only when a command runs into a
 * redirection or a closed connection, so an idle client could go on
 * believing in a dead master. This checks the slot map periodically and has
 * the client re-read it when masters changed (every time while `urgent()`
 * says a subscriber is disconnected), and reacts only to complete refreshes,
 * never to the pool's intermediate states.
 */
export class ClusterTopology {
  private timer?: NodeJS.Timeout;
  private known = '';
  private stopped = false;
  private readonly onRefresh = () => this.check();
  private readonly onNodeGone = () => this.refresh();

  constructor(
    private readonly cluster: Cluster,
    private readonly onMasters: (masters: Map<string, Redis>) => void,
    private readonly urgent: () => boolean,
  ) {}

  /** The masters as the client knows them now, by address. */
  masters(): Map<string, Redis> {
    return new Map(this.cluster.nodes('master').map((node) => [nodeAddress(node), node]));
  }

  /** Starts following changes (the current set is the caller's to read with `masters()`). */
  start(): void {
    this.known = [...this.masters().keys()].sort().join(',');
    this.cluster.on('refresh', this.onRefresh);
    this.cluster.on('-node', this.onNodeGone);
    this.poll();
  }

  /** Asks the client to re-read the slot map now; a change is reported when it completes. */
  refresh(): void {
    if (this.stopped || this.cluster.status !== 'ready') return;
    this.cluster.refreshSlotsCache();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.cluster.off('refresh', this.onRefresh);
    this.cluster.off('-node', this.onNodeGone);
  }

  private poll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        void this.probe().finally(() => this.poll());
      },
      this.urgent() ? URGENT_REFRESH_MS : CALM_REFRESH_MS,
    );
    this.timer.unref();
  }

  /**
   * Asks one node for the slot map over an existing connection and has the
   * client re-read it only when its masters differ from the client's (each
   * re-read opens a fresh connection, which a poll should not do for nothing).
   */
  private async probe(): Promise<void> {
    if (this.stopped || this.cluster.status !== 'ready') return;
    if (!this.urgent()) {
      try {
        const slots = await this.cluster.cluster('SLOTS');
        const reported = new Set(slots.map(([, , master]) => `${master[0]}:${master[1]}`));
        const known = this.masters();
        if (reported.size === known.size && [...reported].every((a) => known.has(a))) return;
      } catch {
        // A node did not answer: re-read the map below.
      }
    }
    this.refresh();
  }

  private check(): void {
    if (this.stopped) return;
    const masters = this.masters();
    const signature = [...masters.keys()].sort().join(',');
    if (signature === this.known || masters.size === 0) return;
    this.known = signature;
    this.onMasters(masters);
  }
}
