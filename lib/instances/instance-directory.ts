import type { Cluster, Redis } from 'ioredis';
import { InstanceInfo } from '../interfaces/instance-info.interface';
import { pipelineReplies } from '../redis/pipeline-replies';
import { timeReplyMs } from '../redis/redis-time';

/**
 * Where instances announce themselves: `<prefix>:{instances}:info`, a hash of
 * instance id → its `InstanceInfo` as JSON, and `<prefix>:{instances}:alive`,
 * a sorted set of instance id → the moment (ms, Redis' clock) after which it
 * counts as gone unless it wrote again.
 *
 * NOTE: both keys carry the same hash tag, so on a Redis Cluster they live on
 * one slot and are read and written together in one pipeline; no SCAN is
 * needed to find every instance. Each entry carries its own deadline, so
 * instances with different heartbeat periods share the directory. Pipelines,
 * not MULTI: a refused key then fails with Redis' own `NOPERM`, which the
 * start reports as a missing ACL rule, rather than with `EXECABORT`.
 */
export class InstanceDirectory {
  private readonly infoKey: string;
  private readonly aliveKey: string;

  constructor(
    private readonly client: Redis | Cluster,
    prefix: string,
  ) {
    this.infoKey = `${prefix}:{instances}:info`;
    this.aliveKey = `${prefix}:{instances}:alive`;
  }

  /** Redis' clock now, epoch ms (with the microsecond fraction). */
  async redisTime(): Promise<number> {
    return timeReplyMs(await this.client.time());
  }

  /**
   * Writes one instance's heartbeat, alive until `aliveUntil`, and forgets the
   * instances whose deadline passed before `info.lastSeenAt`.
   */
  async announce(info: InstanceInfo, aliveUntil: number): Promise<void> {
    const [, , gone] = pipelineReplies(
      await this.client
        .pipeline()
        .hset(this.infoKey, info.id, JSON.stringify(info))
        .zadd(this.aliveKey, aliveUntil, info.id)
        .zrangebyscore(this.aliveKey, '-inf', `(${info.lastSeenAt}`)
        .exec(),
    );
    const ids = gone as string[];
    if (ids.length === 0) return;
    // NOTE: only entries still past their deadline are removed from the set; an instance
    // that wrote again meanwhile keeps it, and rewrites its info on its next heartbeat.
    pipelineReplies(
      await this.client
        .pipeline()
        .zremrangebyscore(this.aliveKey, '-inf', `(${info.lastSeenAt}`)
        .hdel(this.infoKey, ...ids)
        .exec(),
    );
  }

  /** Removes an instance at once (a graceful shutdown). */
  async withdraw(id: string): Promise<void> {
    pipelineReplies(
      await this.client.pipeline().zrem(this.aliveKey, id).hdel(this.infoKey, id).exec(),
    );
  }

  /** The instances whose deadline has not passed, oldest start first. Reads only. */
  async list(): Promise<InstanceInfo[]> {
    const [time, alive, infos] = pipelineReplies(
      await this.client
        .pipeline()
        .time()
        .zrange(this.aliveKey, 0, -1, 'WITHSCORES')
        .hgetall(this.infoKey)
        .exec(),
    ) as [[string, string], string[], Record<string, string>];
    const now = timeReplyMs(time);
    const live: InstanceInfo[] = [];
    for (let i = 0; i < alive.length; i += 2) {
      const json = infos[alive[i]];
      if (Number(alive[i + 1]) < now || json === undefined) continue;
      const info = parseInfo(json);
      if (info) live.push(info);
    }
    return live.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  }
}

/** An entry as written by `announce`; `undefined` for one that is not (it is skipped, not fatal to `list`). */
function parseInfo(json: string): InstanceInfo | undefined {
  try {
    const info = JSON.parse(json) as InstanceInfo;
    return typeof info?.id === 'string' && Array.isArray(info.patterns) ? info : undefined;
  } catch {
    return undefined;
  }
}
