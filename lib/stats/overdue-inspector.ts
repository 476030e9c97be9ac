import type { Cluster, Redis } from 'ioredis';
import { UNHANDLED_SAMPLE_SIZE } from '../delay-task.constants';
import { pipelineReplies } from '../redis/pipeline-replies';
import { timeReplyMs } from '../redis/redis-time';
import { TaskKeys } from '../store/task-keys';

/** An overdue task: its key and how long it has been claimable. */
export interface OverdueTask {
  key: string;
  overdueMs: number;
}

/** What the due index says about overdue tasks. */
export interface OverdueReading {
  /** 0 when nothing is overdue. */
  oldestOverdueMs: number;
  /** The oldest overdue tasks, at most `UNHANDLED_SAMPLE_SIZE` over all shards. */
  sample: OverdueTask[];
}

/** The start of one shard's due index, read against that shard's master's clock. */
interface IndexHead {
  now: number;
  /** Score of the first entry: the moment it became (or becomes) claimable; null when empty. */
  lowest: number | null;
}

/**
 * Reads the due index (`<prefix>:{<shard>}:due`, scored by the moment a task
 * becomes claimable) to tell how overdue tasks are. Reads only, and never
 * more than the start of each shard's index.
 *
 * NOTE: each shard is read together with `TIME` in one pipeline, so on a
 * cluster its scores are compared with the clock of the master that wrote
 * them.
 */
export class OverdueInspector {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly keys: TaskKeys,
  ) {}

  /** How long the longest-waiting due task has been claimable, ms; 0 if none is. O(log n) per shard. */
  async oldestOverdueMs(): Promise<number> {
    const heads = await Promise.all(this.keys.shards.map(({ due }) => this.head(due)));
    return Math.max(0, ...heads.map(overdueMs));
  }

  /** The oldest overdue time and a sample of the oldest overdue tasks, `UNHANDLED_SAMPLE_SIZE` ÷ shards per shard. */
  async inspect(): Promise<OverdueReading> {
    const perShard = Math.ceil(UNHANDLED_SAMPLE_SIZE / this.keys.shards.length);
    const shards = await Promise.all(
      this.keys.shards.map(async ({ due }) => {
        const head = await this.head(due);
        // Nothing due in this shard: spare it the second read.
        if (head.lowest === null || head.lowest > head.now) return { head, sample: [] };
        const flat = await this.client.zrangebyscore(
          due,
          '-inf',
          head.now,
          'WITHSCORES',
          'LIMIT',
          0,
          perShard,
        );
        const sample: OverdueTask[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          sample.push({ key: flat[i], overdueMs: head.now - Number(flat[i + 1]) });
        }
        return { head, sample };
      }),
    );
    return {
      oldestOverdueMs: Math.max(0, ...shards.map(({ head }) => overdueMs(head))),
      sample: shards.flatMap(({ sample }) => sample),
    };
  }

  private async head(dueKey: string): Promise<IndexHead> {
    const [time, first] = pipelineReplies(
      await this.client.pipeline().time().zrange(dueKey, 0, 0, 'WITHSCORES').exec(),
    ) as [[string, string], string[]];
    // Whole ms, as the scripts read the clock (clock.lua).
    const now = Math.floor(timeReplyMs(time));
    return { now, lowest: first.length === 2 ? Number(first[1]) : null };
  }
}

function overdueMs({ now, lowest }: IndexHead): number {
  return lowest === null ? 0 : Math.max(0, now - lowest);
}
