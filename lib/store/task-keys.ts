/** Names of one shard's keys. Every key of a shard shares one hash tag, so a script touches one cluster slot. */
export interface ShardKeys {
  readonly due: string;
  readonly tasks: string;
  readonly state: string;
  /** In flight: key -> number of the claim holding it (see `scripts/includes/claims.lua`). */
  readonly claims: string;
  /** Claim number -> lease expiry: one lease per claim, not per task. */
  readonly leases: string;
  /** Claim number -> id of the instance that made it. */
  readonly holders: string;
  /** The lease set of scripts version 3 and earlier (key -> lease expiry), still taken over from. */
  readonly legacyActive: string;
  readonly dead: string;
  readonly seq: string;
  /** Lowest score a new due entry may get (see `scripts/includes/due-index.lua`). */
  readonly floor: string;
}

/**
 * Where the module keeps its data: `<prefix>:{<shard>}:<name>`, a wake-up
 * channel, and the locks of exclusive plain-key handling.
 *
 * NOTE: tasks are spread over shards by a hash of their key so that, on a
 * Redis Cluster, no single master carries the whole index. On one Redis a
 * single shard is all it takes.
 */
export class TaskKeys {
  readonly shards: readonly ShardKeys[];
  /** Pub/Sub channel on which an earlier due time is announced to every instance. */
  readonly wakeChannel: string;
  /** Pub/Sub channel naming a delivery stopped by `cancel(key, { abort: true })`: `"<claim number>|<key>"`. */
  readonly abortChannel: string;
  private readonly ownPrefix: Buffer;

  constructor(
    readonly prefix: string,
    shardCount: number,
  ) {
    this.shards = Array.from({ length: shardCount }, (_, shard) => {
      const base = `${prefix}:{${shard}}:`;
      return {
        due: `${base}due`,
        tasks: `${base}tasks`,
        state: `${base}state`,
        claims: `${base}claims`,
        leases: `${base}leases`,
        holders: `${base}holders`,
        legacyActive: `${base}active`,
        dead: `${base}dead`,
        seq: `${base}seq`,
        floor: `${base}floor`,
      };
    });
    this.wakeChannel = `${prefix}:wake`;
    this.abortChannel = `${prefix}:abort`;
    this.ownPrefix = Buffer.from(`${prefix}:`, 'utf8');
  }

  /** The shard a task key lives in (FNV-1a of its UTF-8 bytes). */
  shardOf(key: string): number {
    if (this.shards.length === 1) return 0;
    let hash = 0x811c9dc5;
    for (const byte of Buffer.from(key, 'utf8')) {
      hash ^= byte;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % this.shards.length;
  }

  /** Whether a Redis key is one of the module's own (such keys never reach handlers as plain expirations). */
  isOwnKey(key: Uint8Array): boolean {
    return (
      key.length >= this.ownPrefix.length &&
      this.ownPrefix.equals(key.subarray(0, this.ownPrefix.length))
    );
  }

  /** Lock key that lets one instance handle one expiry of a plain key with `{ exclusive: true }`. */
  exclusiveLock(key: Uint8Array): Buffer {
    return Buffer.concat([this.ownPrefix, Buffer.from('x:'), key]);
  }
}
