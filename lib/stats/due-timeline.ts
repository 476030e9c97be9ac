import type { Cluster, Redis } from 'ioredis';
import { pipelineReplies } from '../redis/pipeline-replies';
import { timeReplyMs } from '../redis/redis-time';
import { TaskKeys } from '../store/task-keys';

/**
 * A stretch of time ahead, in ms from now: tasks claimable after `fromMs` and
 * at most at `toMs` (`Infinity`: however far ahead).
 */
export interface DueWindow {
  fromMs: number;
  toMs: number;
}

/** How many pending tasks fall due in one `DueWindow`, over every shard. */
export interface DueWindowCount extends DueWindow {
  count: number;
}

export interface DueTimelineReading {
  /** Redis' clock when the first shard was read, epoch ms. */
  now: number;
  /** Claimable already (the `overdue` of `stats()`). */
  overdue: number;
  /** One count per window asked for, in the order asked. */
  windows: DueWindowCount[];
}

/**
 * Counts pending tasks by when they become claimable, to show a stampede
 * before it happens. Reads only: one `ZCOUNT` per window and shard of the
 * due index, O(log n) each however many tasks are pending.
 *
 * NOTE: each shard's windows are measured from that shard's own `TIME`, so
 * on a cluster its scores are compared with the clock of the master that
 * wrote them (as `OverdueInspector` does).
 */
export class DueTimeline {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: TaskKeys,
  ) {}

  async read(windows: readonly DueWindow[]): Promise<DueTimelineReading> {
    const shards = await Promise.all(
      this.keys.shards.map(({ due }) => this.readShard(due, windows)),
    );
    return {
      now: shards[0].now,
      overdue: shards.reduce((sum, shard) => sum + shard.overdue, 0),
      windows: windows.map((window, index) => ({
        ...window,
        count: shards.reduce((sum, shard) => sum + shard.counts[index], 0),
      })),
    };
  }

  private async readShard(
    dueKey: string,
    windows: readonly DueWindow[],
  ): Promise<{ now: number; overdue: number; counts: number[] }> {
    // NOTE: TIME goes in a pipeline with a command on the shard's key, so on a cluster it is
    // answered by that shard's master. Whole ms, as the scripts read the clock (clock.lua).
    const [time] = pipelineReplies(await this.client.pipeline().time().exists(dueKey).exec()) as [
      [string, string],
    ];
    const now = Math.floor(timeReplyMs(time));
    const pipeline = this.client.pipeline().zcount(dueKey, '-inf', now);
    for (const { fromMs, toMs } of windows) {
      pipeline.zcount(dueKey, `(${now + fromMs}`, Number.isFinite(toMs) ? now + toMs : '+inf');
    }
    const [overdue, ...counts] = pipelineReplies(await pipeline.exec()).map(Number);
    return { now, overdue, counts };
  }
}
