/**
 * The floor: the least any Redis-based timer can do to deliver a task — one
 * Node timer to its due time on the bench clock, then one round trip to the
 * bench Redis (`PING`), then the fire. Nothing is stored, so it has no
 * durability and runs only where lateness is the question (timing
 * workloads); it is the reference the module's lateness is judged against,
 * measured in the same run.
 */
import Redis from 'ioredis';
import { now } from '../clock';
import { BenchTask, Endpoint, FireListener, Mechanism, rowId, rowLabel } from './mechanism';

class FloorEndpoint implements Endpoint {
  /** Tasks not fired yet, soonest first. */
  private pending: BenchTask[] = [];
  /** Index in `pending` of the next task to fire. */
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Redis,
    private readonly onFire: FireListener,
  ) {}

  async schedule(tasks: readonly BenchTask[]): Promise<void> {
    this.pending = [...this.pending.slice(this.next), ...tasks].sort((a, b) => a.dueAt - b.dueAt);
    this.next = 0;
    this.arm();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.client.disconnect();
  }

  /**
   * One timer at a time, to the soonest due time, armed when the previous
   * one fired.
   *
   * NOTE: Node starts a timer's delay from the event loop's cached time, in
   * whole milliseconds, so a timer can fire up to a millisecond before its
   * due time on the bench clock; it is then re-armed for the rest. Arming
   * every task's timer at once instead, in one long loop, makes them fire
   * earlier still (the cached time stands still meanwhile), and the re-arms
   * make the floor later than it need be.
   */
  private arm(): void {
    clearTimeout(this.timer);
    const task = this.pending[this.next];
    if (task) this.timer = setTimeout(() => this.fireDue(), task.dueAt - now());
  }

  private fireDue(): void {
    const time = now();
    for (; this.next < this.pending.length; this.next += 1) {
      const task = this.pending[this.next];
      if (task.dueAt > time) break;
      void this.client.ping().then(() => this.onFire(task.index, now()));
    }
    this.arm();
  }
}

export class FloorMechanism implements Mechanism {
  readonly kind = 'floor' as const;
  readonly id = rowId({ kind: this.kind });
  readonly label = rowLabel({ kind: this.kind });
  readonly needsKeyspaceEvents = false;
  readonly storesTasks = false;

  describeSettings(): string {
    return 'one `setTimeout` at a time to the soonest due time on the bench clock, then one `PING` to the bench Redis per task due, then the fire; nothing stored (no durability), so no scheduling or memory figure; timing workloads only';
  }

  async open(url: string, onFire?: FireListener): Promise<Endpoint> {
    // Its timers live in the process that fires them: there is no scheduling from elsewhere.
    if (!onFire) throw new Error('the floor schedules only in the process that handles the fires');
    const client = new Redis(url, { lazyConnect: true });
    await client.connect();
    return new FloorEndpoint(client, onFire);
  }
}
