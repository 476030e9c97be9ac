import type { Cluster, Redis } from 'ioredis';
import {
  CANCEL_SCAN_LIMIT,
  CLAIMS_PER_CALL,
  LIST_SCAN_LIMIT,
  SCHEDULE_BATCH_SIZE,
} from '../delay-task.constants';
import { ReplicationWait } from '../redis/replication-wait';
import { encodeExtensions, RecordExtensions } from './record-extensions';
import { SCRIPT_KEYS } from './script-keys';
import { ScriptArg, ScriptLibrary } from './script-library';
import { ShardKeys, TaskKeys } from './task-keys';
import {
  attemptInFlight,
  DeadLetterRecord,
  parseDeadLetter,
  parseRecord,
  parseState,
  TaskRecord,
  TaskState,
} from './task-record';

/** When a task is due: `d` a delay from Redis' now, `a` an absolute epoch ms, `s` a shift of the current due time. */
export interface Timing {
  kind: 'd' | 'a' | 's';
  amount: number;
}

/** A validated task, ready to be written. */
export interface PreparedTask {
  key: string;
  timing: Timing;
  /** `recordHeader(...)` of its delivery options. */
  header: string;
  /** Exact JSON of the payload, or '' for none. */
  payloadJson: string;
  /** Optional fields stored beside the payload. */
  extensions?: RecordExtensions;
  /** `schedule.lua`'s code of the `ifPending` mode; `'r'` (replace) when absent. */
  ifPending?: string;
}

/** A task this instance just claimed. */
export interface ClaimedTask {
  shard: number;
  key: string;
  /**
   * The number of the claim that took it (one claim takes many tasks);
   * acknowledgements, failures and renewals carry it.
   */
  token: string;
  attempt: number;
  /** Taken over after a lease ran out: this delivery is a recovery. */
  recovered: boolean;
  /** Handlers that already succeeded in earlier attempts. */
  done: readonly string[];
  record: TaskRecord;
  /**
   * When this delivery became claimable (its due-index score): the due time,
   * a retry's backoff time, or a lease expiry. Lateness is measured from it.
   */
  claimableAt: number;
}

/**
 * How far a claimer has looked past due tasks it cannot handle, in one shard's
 * due index: the last such entry (score as Redis formats it, and member).
 */
export interface ClaimCursor {
  score: string;
  member: string;
}

export interface ClaimResult {
  /** Redis' clock when the claim ran, epoch ms with a microsecond fraction. */
  redisTimeMs: number;
  /** Soonest due time still in the future, in this shard; null if none. */
  nextDueAt: number | null;
  /** Where the next claim resumes: the cursor passed in, or further on. */
  cursor: ClaimCursor | null;
  /** Whether every due entry was inspected (nothing left to claim behind the ones returned). */
  exhausted: boolean;
  /** The last entry inspected, where a walk past held-back tasks resumes (null if none was). */
  resume: ClaimCursor | null;
  /** Whether a task was passed over because a limited handler matching it was full. */
  heldBack: boolean;
  tasks: ClaimedTask[];
}

/** What one claim may take for a handler with a `concurrency` limit. */
export interface HandlerBudget {
  /** Most tasks the claim may take that this handler matches. */
  room: number;
  patterns: readonly string[];
}

/** A task as stored, whichever state it is in. */
export interface StoredTask {
  record: TaskRecord;
  attempt: number;
  state: 'pending' | 'active';
  /** Pending: when its next delivery may start (its due time, a retry's backoff time, or when it was written if due already). */
  runAt?: number;
}

export interface DeadLetterEntry extends DeadLetterRecord {
  key: string;
}

/** Counts of one or all shards. */
export interface StoreStats {
  pending: number;
  overdue: number;
  active: number;
  dead: number;
}

/** One claim of a running delivery, as acknowledgements and renewals name it. */
export interface ClaimRef {
  key: string;
  token: string;
}

/** Script arguments for a list of claims: key, token, key, token, ... */
function claimArgs(claims: readonly ClaimRef[]): string[] {
  const args: string[] = [];
  for (const { key, token } of claims) args.push(key, token);
  return args;
}

/** What one page of `list` asks for: scores are Redis range bounds ("-inf", "+inf" or a number). */
export interface ListPageQuery {
  state: 'pending' | 'active';
  pattern: string;
  from: string;
  to: string;
  limit: number;
}

/** Where a shard's walk stands: not started (null), past an entry, or at its end. */
export type ShardPosition = null | { score: string; member: string } | typeof DONE;
export const DONE = 0;

/** An entry of a listed set: its score is the claimable time (pending) or the claim's number (active). */
export interface ListedEntry {
  shard: number;
  key: string;
  score: string;
  record: TaskRecord;
  state: TaskState;
  /** In flight: the attempt running, its claim's lease expiry and the instance holding it. */
  attempt?: number;
  leaseExpiresAt?: number;
  owner?: string;
}

export interface ListPage {
  items: ListedEntry[];
  positions: ShardPosition[];
}

interface ShardListing {
  shard: number;
  items: ListedEntry[];
  done: boolean;
  last: ShardPosition;
}

/** Entries in the order Redis keeps a sorted set in: by score, then by the member's bytes. */
function inRedisOrder(entries: ListedEntry[]): ListedEntry[] {
  return entries
    .map((entry) => ({ entry, score: Number(entry.score), bytes: Buffer.from(entry.key) }))
    .sort((a, b) => a.score - b.score || Buffer.compare(a.bytes, b.bytes))
    .map(({ entry }) => entry);
}

/** Pending tasks `advance` moves per script call. */
const ADVANCE_CHUNK = 1_000;

/** Shared by every task that no handler has finished yet (most of them); never mutated. */
const NONE_DONE: readonly string[] = Object.freeze([]);

type ClaimReply = [
  number,
  number | null,
  string | null,
  string | null,
  number,
  string | number,
  string | null,
  string | null,
  number,
  ...(string | null)[],
];

/** Claim arguments of the limited handlers: their count, then room, pattern count, patterns of each. */
function budgetArgs(budgets: readonly HandlerBudget[]): Array<string | number> {
  const args: Array<string | number> = [budgets.length];
  for (const { room, patterns } of budgets) args.push(room, patterns.length, ...patterns);
  return args;
}

/**
 * Everything the module stores in Redis about scheduled tasks. Each change is
 * one Lua script (atomic); this class only encodes arguments and decodes
 * replies, and decides nothing about when to call what.
 */
export class TaskStore {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly scripts: ScriptLibrary,
    readonly keys: TaskKeys,
    /** Set when schedule must wait for replicas (the `replication` option). */
    private readonly replication?: ReplicationWait,
  ) {}

  private shardKeys(key: string): ShardKeys {
    return this.keys.shards[this.keys.shardOf(key)];
  }

  /** Writes tasks (upsert) in batches, one pipeline per shard; resolves with each task's due time, in order. */
  async schedule(tasks: PreparedTask[]): Promise<number[]> {
    const byShard = new Map<number, number[]>();
    tasks.forEach((task, index) => {
      const shard = this.keys.shardOf(task.key);
      const indexes = byShard.get(shard) ?? [];
      indexes.push(index);
      byShard.set(shard, indexes);
    });
    const dues = new Array<number>(tasks.length);
    const acknowledgements: number[] = [];
    await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const keys = this.keys.shards[shard];
        const scriptKeys = SCRIPT_KEYS.schedule(keys);
        const batches: number[][] = [];
        for (let start = 0; start < indexes.length; start += SCHEDULE_BATCH_SIZE) {
          batches.push(indexes.slice(start, start + SCHEDULE_BATCH_SIZE));
        }
        const argsOf = (batch: number[]): ScriptArg[] => {
          const args: ScriptArg[] = [this.keys.wakeChannel];
          for (const index of batch) {
            const task = tasks[index];
            args.push(
              task.key,
              task.timing.kind + task.timing.amount,
              task.header,
              encodeExtensions(task.extensions) + task.payloadJson,
              task.ifPending ?? 'r',
            );
          }
          return args;
        };
        if (!this.replication) {
          // One command per batch, each written as soon as it is encoded: Redis runs the first
          // batches while Node still encodes the next (a pipeline would hold them all back).
          await Promise.all(
            batches.map(async (batch) => {
              const reply = (await this.scripts.run(
                this.client,
                'schedule',
                scriptKeys,
                argsOf(batch),
              )) as number[];
              batch.forEach((index, i) => (dues[index] = Number(reply[i])));
            }),
          );
          return;
        }
        // WAIT counts the writes before it on its connection: the batches and WAIT go in one pipeline.
        const pipeline = this.client.pipeline();
        for (const batch of batches)
          this.scripts.queue(pipeline, 'schedule', scriptKeys, argsOf(batch));
        this.replication?.queue(pipeline);
        const replies = (await pipeline.exec()) ?? [];
        replies.slice(0, batches.length).forEach(([error, reply], b) => {
          if (error) throw error;
          batches[b].forEach((index, i) => (dues[index] = Number((reply as number[])[i])));
        });
        if (this.replication) {
          const [error, acknowledged] = replies[batches.length];
          if (error) throw error;
          acknowledgements.push(Number(acknowledged));
        }
      }),
    );
    this.replication?.check(acknowledgements, tasks.length);
    return dues;
  }

  async cancel(key: string): Promise<boolean> {
    const keys = this.shardKeys(key);
    const reply = await this.scripts.run(
      this.client,
      'cancel',
      [keys.due, keys.tasks, keys.state],
      [key],
    );
    return reply === 1;
  }

  /**
   * Deletes a pending or in-flight task; an in-flight one's claim is announced
   * on the abort channel. Whether it was pending, in flight, or neither.
   */
  async abort(key: string): Promise<'pending' | 'active' | null> {
    const keys = this.shardKeys(key);
    const reply = await this.scripts.run(this.client, 'abort', SCRIPT_KEYS.abort(keys), [
      key,
      this.keys.abortChannel,
    ]);
    return reply === 1 ? 'pending' : reply === 2 ? 'active' : null;
  }

  /** New due time of a pending task, or null when it is not pending. */
  async reschedule(key: string, timing: Timing): Promise<number | null> {
    const keys = this.shardKeys(key);
    const reply = await this.scripts.run(
      this.client,
      'reschedule',
      [keys.due, keys.tasks, keys.floor],
      [key, timing.kind, timing.amount, this.keys.wakeChannel],
    );
    return reply === null ? null : Number(reply);
  }

  async get(key: string): Promise<StoredTask | null> {
    const keys = this.shardKeys(key);
    const replies = await this.client
      .multi()
      .hget(keys.tasks, key)
      .hget(keys.state, key)
      .zscore(keys.due, key)
      .zscore(keys.claims, key)
      .zscore(keys.legacyActive, key)
      .exec();
    if (!replies) return null;
    const [record, state, dueScore, claim, legacyLease] = replies.map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
    const pending = dueScore !== null;
    if (record === null || (!pending && claim === null && legacyLease === null)) return null;
    const stored: StoredTask = {
      record: parseRecord(record),
      attempt: pending ? parseState(state).attempt : attemptInFlight(state),
      state: pending ? 'pending' : 'active',
    };
    if (dueScore !== null) stored.runAt = Number(dueScore);
    return stored;
  }

  /**
   * Claims due tasks of one shard whose keys match `patterns`, resuming after
   * `cursor`; a task matching a handler of `budgets` is taken only while that
   * handler has room.
   */
  async claim(
    shard: number,
    want: number,
    leaseMs: number,
    cursor: ClaimCursor | null,
    scanLimit: number,
    owner: string,
    patterns: string[],
    budgets: readonly HandlerBudget[] = [],
  ): Promise<ClaimResult> {
    const keys = this.keys.shards[shard];
    const reply = (await this.scripts.run(this.client, 'claim', SCRIPT_KEYS.claim(keys), [
      want,
      leaseMs,
      cursor?.score ?? '',
      cursor?.member ?? '',
      scanLimit,
      owner,
      ...budgetArgs(budgets),
      ...patterns,
    ])) as ClaimReply;
    const tasks: ClaimedTask[] = [];
    const claim = String(reply[5]);
    for (let i = 9; i < reply.length; i += 4) {
      const before = parseState(reply[i + 1] as string | null);
      const attempt = before.attempt + 1;
      tasks.push({
        shard,
        key: String(reply[i]),
        token: claim,
        attempt,
        recovered: before.flags === 'r',
        done: before.done === '' ? NONE_DONE : (JSON.parse(before.done) as string[]),
        record: parseRecord(String(reply[i + 2])),
        claimableAt: Number(reply[i + 3]),
      });
    }
    return {
      redisTimeMs: Number(reply[0]) / 1000,
      nextDueAt: reply[1] === null ? null : Number(reply[1]),
      cursor: reply[2] === null ? cursor : { score: reply[2], member: String(reply[3]) },
      exhausted: Number(reply[4]) === 1,
      resume: reply[6] === null ? null : { score: reply[6], member: String(reply[7]) },
      heldBack: Number(reply[8]) === 1,
      tasks,
    };
  }

  /** Deletes tasks whose deliveries succeeded; stale claims are ignored. */
  async ack(shard: number, claims: readonly ClaimRef[]): Promise<number> {
    const keys = this.keys.shards[shard];
    return this.perChunk(claims, (chunk) =>
      this.scripts.run(this.client, 'ack', SCRIPT_KEYS.ack(keys), claimArgs(chunk)),
    );
  }

  /** Extends the leases of claims with deliveries running; returns how many were still held. */
  async renew(shard: number, leaseMs: number, claims: readonly string[]): Promise<number> {
    const keys = this.keys.shards[shard];
    return this.perChunk(claims, (chunk) =>
      this.scripts.run(this.client, 'renew', [keys.leases], [leaseMs, ...chunk]),
    );
  }

  /**
   * Runs a script once per chunk of claims (all chunks sent at once, so they
   * pipeline) and adds up the counts they reply.
   *
   * NOTE: bounded calls keep each script short, and stay within what Lua can
   * unpack however many deliveries an instance has in flight.
   */
  private async perChunk<T>(
    claims: readonly T[],
    call: (chunk: readonly T[]) => Promise<unknown>,
  ): Promise<number> {
    const calls: Array<Promise<unknown>> = [];
    for (let start = 0; start < claims.length; start += CLAIMS_PER_CALL) {
      calls.push(call(claims.slice(start, start + CLAIMS_PER_CALL)));
    }
    const counts = await Promise.all(calls);
    return counts.reduce<number>((sum, count) => sum + Number(count), 0);
  }

  /** Records a failed delivery: a retry after `retryDelayMs`, or a dead letter. */
  async fail(
    claim: { shard: number; key: string; token: string },
    outcome: {
      action: 'retry' | 'dead';
      retryDelayMs: number;
      done: readonly string[];
      error: string;
    },
  ): Promise<void> {
    const keys = this.keys.shards[claim.shard];
    await this.scripts.run(this.client, 'fail', SCRIPT_KEYS.fail(keys), [
      claim.key,
      claim.token,
      outcome.action,
      outcome.retryDelayMs,
      JSON.stringify(outcome.done),
      JSON.stringify(outcome.error),
      this.keys.wakeChannel,
    ]);
  }

  /** Takes over deliveries whose lease ran out in one shard. */
  async recover(
    shard: number,
    limit: number,
    defaultMaxAttempts: number,
    error: string,
  ): Promise<{ requeued: number; dead: number }> {
    const keys = this.keys.shards[shard];
    const [requeued, dead] = (await this.scripts.run(
      this.client,
      'recover',
      SCRIPT_KEYS.recover(keys),
      [limit, defaultMaxAttempts, JSON.stringify(error), this.keys.wakeChannel],
    )) as [number, number];
    return { requeued: Number(requeued), dead: Number(dead) };
  }

  /**
   * One page of dead letters. The cursor walks the shards in turn:
   * `"<shard>:<HSCAN cursor>"`.
   */
  async deadLetters(
    pattern: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ items: DeadLetterEntry[]; cursor: string | null }> {
    const [startShard, startCursor] = cursor ? cursor.split(':') : ['0', '0'];
    let shardIndex = Number(startShard);
    let scanCursor = startCursor;
    const items: DeadLetterEntry[] = [];
    while (shardIndex < this.keys.shards.length && items.length < limit) {
      const [next, flat] = await this.client.hscan(
        this.keys.shards[shardIndex].dead,
        scanCursor,
        'MATCH',
        pattern,
        'COUNT',
        limit,
      );
      for (let i = 0; i < flat.length; i += 2) {
        items.push({ key: flat[i], ...parseDeadLetter(flat[i + 1]) });
      }
      if (next === '0') {
        shardIndex++;
        scanCursor = '0';
      } else {
        scanCursor = next;
        break;
      }
    }
    return {
      items,
      cursor: shardIndex < this.keys.shards.length ? `${shardIndex}:${scanCursor}` : null,
    };
  }

  /** Makes a dead letter pending again; its new due time, or null if the key is not dead-lettered. */
  async requeue(key: string, timing: Timing): Promise<number | null> {
    const keys = this.shardKeys(key);
    const reply = await this.scripts.run(
      this.client,
      'requeue',
      [keys.due, keys.tasks, keys.state, keys.dead, keys.floor],
      [key, timing.kind, timing.amount, this.keys.wakeChannel],
    );
    return reply === null ? null : Number(reply);
  }

  /**
   * One page of pending tasks (due index) or in-flight deliveries (lease
   * set), merged across shards in (score, key) order. `positions` says where
   * each shard's walk stands; the reply gives the positions after this page.
   */
  async list(query: ListPageQuery, positions: readonly ShardPosition[]): Promise<ListPage> {
    const perShard = await Promise.all(
      this.keys.shards.map(async (keys, shard): Promise<ShardListing> => {
        const position = positions[shard];
        if (position === DONE) return { shard, items: [], done: true, last: null };
        const reply = (await this.scripts.run(
          this.client,
          'list',
          [
            query.state === 'active' ? keys.claims : keys.due,
            keys.tasks,
            keys.state,
            keys.leases,
            keys.holders,
          ],
          [
            query.from,
            query.to,
            position?.score ?? '',
            position?.member ?? '',
            query.limit,
            LIST_SCAN_LIMIT,
            query.pattern,
            query.state,
          ],
        )) as Array<string | number | null>;
        const items: ListedEntry[] = [];
        for (let i = 3; i < reply.length; i += 6) {
          if (reply[i + 2] === null) continue;
          const state = reply[i + 3] as string | null;
          const entry: ListedEntry = {
            shard,
            key: String(reply[i]),
            score: String(reply[i + 1]),
            record: parseRecord(String(reply[i + 2])),
            state: parseState(state),
          };
          if (query.state === 'active') {
            entry.attempt = attemptInFlight(state);
            if (reply[i + 4] !== null) entry.leaseExpiresAt = Number(reply[i + 4]);
            if (reply[i + 5] !== null) entry.owner = String(reply[i + 5]);
          }
          items.push(entry);
        }
        const last =
          reply[1] === null ? position : { score: String(reply[1]), member: String(reply[2]) };
        return { shard, items, done: Number(reply[0]) === 1, last };
      }),
    );
    const merged = inRedisOrder(perShard.flatMap((listing) => listing.items)).slice(0, query.limit);
    const next = perShard.map((listing): ShardPosition => {
      const taken = merged.filter((item) => item.shard === listing.shard);
      // Everything this shard returned went into the page: it resumes where it stopped looking.
      if (taken.length === listing.items.length) return listing.done ? DONE : listing.last;
      const lastTaken = taken.at(-1);
      return lastTaken
        ? { score: lastTaken.score, member: lastTaken.key }
        : positions[listing.shard];
    });
    return { items: merged, positions: next };
  }

  /** Cancels the pending tasks whose keys match `pattern`, a bounded walk per call on each shard. */
  async cancelMatching(pattern: string): Promise<number> {
    const counts = await Promise.all(
      this.keys.shards.map(async (keys) => {
        let cancelled = 0;
        let cursor: { score: string; member: string } | null = null;
        for (;;) {
          const [count, done, score, member] = (await this.scripts.run(
            this.client,
            'cancel-matching',
            [keys.due, keys.tasks, keys.state],
            [cursor?.score ?? '', cursor?.member ?? '', CANCEL_SCAN_LIMIT, pattern],
          )) as [number, number, string | null, string | null];
          cancelled += Number(count);
          if (Number(done) === 1 || score === null || member === null) return cancelled;
          cursor = { score, member };
        }
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Makes a pending task claimable now, its due time unchanged; when, or null if it is not pending. */
  async runNow(key: string): Promise<number | null> {
    const keys = this.shardKeys(key);
    const reply = await this.scripts.run(
      this.client,
      'run-now',
      [keys.due, keys.floor],
      [key, this.keys.wakeChannel],
    );
    return reply === null ? null : Number(reply);
  }

  /**
   * Testing only: moves every pending task's due time `ms` earlier, a chunk
   * per call on each shard. Entries then sit behind claim cursors and below
   * the floor, so the scheduler must look from the start again afterwards.
   */
  async advance(ms: number): Promise<void> {
    await Promise.all(
      this.keys.shards.map(async (keys) => {
        for (let first = 0; ; first += ADVANCE_CHUNK) {
          const moved = Number(
            await this.scripts.run(
              this.client,
              'advance',
              [keys.due, keys.tasks],
              [ms, first, ADVANCE_CHUNK],
            ),
          );
          if (moved < ADVANCE_CHUNK) return;
        }
      }),
    );
  }

  async discard(key: string): Promise<boolean> {
    return (await this.client.hdel(this.shardKeys(key).dead, key)) === 1;
  }

  async stats(): Promise<StoreStats> {
    const [seconds, micros] = await this.client.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const totals: StoreStats = { pending: 0, overdue: 0, active: 0, dead: 0 };
    for (const keys of this.keys.shards) {
      const replies = await this.client
        .multi()
        .zcard(keys.due)
        .zcount(keys.due, '-inf', now)
        // Claim numbers start at 1: this leaves out the member that keeps the set a skiplist.
        .zcount(keys.claims, 1, '+inf')
        .zcard(keys.legacyActive)
        .hlen(keys.dead)
        .exec();
      const [pending, overdue, active, legacyActive, dead] = (replies ?? []).map(
        ([error, value]) => {
          if (error) throw error;
          return Number(value);
        },
      );
      totals.pending += pending;
      totals.overdue += overdue;
      totals.active += active + legacyActive;
      totals.dead += dead;
    }
    return totals;
  }
}
