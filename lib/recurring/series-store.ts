import type { Cluster, Redis } from 'ioredis';
import { encodeExtensions } from '../store/record-extensions';
import { SCRIPT_KEYS } from '../store/script-keys';
import { ScriptLibrary } from '../store/script-library';
import { TaskKeys } from '../store/task-keys';
import { parseRecord } from '../store/task-record';

/** What `declare` found under the key: a new series, or one already pending or running. */
export type DeclaredState = 'new' | 'pending' | 'active';

/** One claim of a running occurrence. */
export interface OccurrenceClaim {
  shard: number;
  key: string;
  token: string;
}

/** Reply of `advance`: the next due time, `'ended'`, `'changed'` (rule re-declared: compute again) or `'stale'` (claim lost). */
export type AdvanceResult = number | 'ended' | 'changed' | 'stale';

/**
 * The Redis side of recurring series: declaring one, moving it from an
 * occurrence to the next, ending it. Each is one Lua script; the due times
 * come from Node (`SeriesRule`), since Lua cannot compute cron times.
 */
export class SeriesStore {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly scripts: ScriptLibrary,
    readonly keys: TaskKeys,
  ) {}

  /** Redis' clock, epoch ms. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Writes a series, or updates the rule of the one under `key` keeping its occurrence's due time. */
  async declare(series: {
    key: string;
    header: string;
    firstDueAt: number;
    rule: string;
    payloadJson: string;
  }): Promise<{ dueAt: number; state: DeclaredState }> {
    const keys = this.keys.shards[this.keys.shardOf(series.key)];
    const [dueAt, state] = (await this.scripts.run(
      this.client,
      'series-declare',
      SCRIPT_KEYS.seriesDeclare(keys),
      [
        this.keys.wakeChannel,
        series.key,
        series.header,
        series.firstDueAt,
        encodeExtensions({ series: series.rule }) + series.payloadJson,
      ],
    )) as [number, DeclaredState];
    return { dueAt: Number(dueAt), state };
  }

  /** Ends the claimed occurrence and writes the next one (`null`: end the series). */
  async advance(
    claim: OccurrenceClaim,
    rule: string,
    nextDueAt: number | null,
  ): Promise<AdvanceResult> {
    const keys = this.keys.shards[claim.shard];
    const reply = await this.scripts.run(
      this.client,
      'series-advance',
      SCRIPT_KEYS.seriesAdvance(keys),
      [claim.key, claim.token, rule, nextDueAt ?? '', this.keys.wakeChannel],
    );
    if (reply === null) return 'stale';
    const value = Number(reply);
    return value === -1 ? 'changed' : value === 0 ? 'ended' : value;
  }

  /** The series rule stored under `key` now, if a series is there. */
  async storedRule(key: string): Promise<string | undefined> {
    const record = await this.client.hget(this.keys.shards[this.keys.shardOf(key)].tasks, key);
    return record === null ? undefined : parseRecord(record).extensions.series;
  }

  /** Ends the series under `key` (pending or running); false when there is none. */
  async end(key: string): Promise<boolean> {
    const keys = this.keys.shards[this.keys.shardOf(key)];
    const reply = await this.scripts.run(this.client, 'series-end', SCRIPT_KEYS.seriesEnd(keys), [
      key,
    ]);
    return reply === 1;
  }
}
