/**
 * Starts and stops a throwaway Sentinel setup: a primary, a replica and three
 * Sentinels (`redis-server sentinel.conf --sentinel`), each a process on a free
 * loopback port (see `redis-server.ts`).
 *
 * Development tooling only. Everything is stopped by pid; a failover is caused
 * by killing the primary, as a crash would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { RedisConfig, RedisServer } from '../lib/testing/redis-server';

const HOST = '127.0.0.1';

export interface RedisSentinelOptions {
  /** Name of the monitored group. @default 'mymaster' */
  name?: string;
  /** How long the primary may be silent before a Sentinel calls it down. @default 1000 */
  downAfterMs?: number;
  /** Extra configuration of the primary and the replica. */
  config?: RedisConfig;
}

export class RedisSentinel {
  private constructor(
    readonly name: string,
    /** The primary as started (after a failover, the replica is the primary). */
    readonly primary: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: RedisServer[],
    /** The Sentinels' directories (RedisServer removes only those it made itself). */
    private readonly dirs: string[],
  ) {}

  /** Starts the primary, its replica and three Sentinels; resolves once the Sentinels know both. */
  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinel> {
    const name = options.name ?? 'mymaster';
    const started: RedisServer[] = [];
    const dirs: string[] = [];
    try {
      const primary = await RedisServer.start({ config: options.config });
      started.push(primary);
      const replica = await RedisServer.start({
        config: { ...options.config, replicaof: `${HOST} ${primary.port}` },
      });
      started.push(replica);
      const sentinels = await Promise.all(
        [0, 1, 2].map(async () => {
          const { dir, configFile } = RedisSentinel.writeConfig(name, primary.port, options);
          dirs.push(dir);
          const sentinel = await RedisServer.start({ dir, configFile, sentinel: true });
          started.push(sentinel);
          return sentinel;
        }),
      );
      const setup = new RedisSentinel(name, primary, replica, sentinels, dirs);
      await setup.waitForDiscovery();
      return setup;
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A Sentinel rewrites its configuration file, so each gets one in a directory of its own. */
  private static writeConfig(name: string, primaryPort: number, options: RedisSentinelOptions) {
    const dir = mkdtempSync(join(tmpdir(), 'delay-task-sentinel-'));
    const configFile = join(dir, 'sentinel.conf');
    writeFileSync(
      configFile,
      [
        `sentinel monitor ${name} ${HOST} ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    return { dir, configFile };
  }

  /** What to pass as `connection`: ioredis options that find the primary through the Sentinels. */
  get connection(): { sentinels: Array<{ host: string; port: number }>; name: string } {
    return {
      sentinels: this.sentinels.map((sentinel) => ({ host: HOST, port: sentinel.port })),
      name: this.name,
    };
  }

  /** The port the Sentinels currently name as the primary's. */
  async primaryPort(): Promise<number> {
    const client = new IORedis({ host: HOST, port: this.sentinels[0].port, lazyConnect: true });
    try {
      const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', this.name)) as [
        string,
        string,
      ];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  /** Kills the primary (SIGKILL) and resolves once the Sentinels have promoted the replica. */
  async failover(timeoutMs = 30_000): Promise<void> {
    await this.primary.kill();
    const deadline = Date.now() + timeoutMs;
    while ((await this.primaryPort()) !== this.replica.port) {
      if (Date.now() > deadline) throw new Error(`no failover within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops every process by pid (SIGTERM) and removes their directories. */
  async stop(): Promise<void> {
    await Promise.all([this.primary, this.replica, ...this.sentinels].map((s) => s.stop()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }

  /** Resolves once every Sentinel sees the replica (it can only promote one it knows). */
  private async waitForDiscovery(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const sentinel of this.sentinels) {
      const client = new IORedis({ host: HOST, port: sentinel.port, lazyConnect: true });
      try {
        for (;;) {
          const replicas = (await client.call('SENTINEL', 'replicas', this.name)) as string[][];
          const known = replicas.some((fields) => fields.includes(String(this.replica.port)));
          const peers = (await client.call('SENTINEL', 'sentinels', this.name)) as unknown[];
          if (known && peers.length >= 2) break;
          if (Date.now() > deadline)
            throw new Error('Sentinels did not discover the setup in time');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        client.disconnect();
      }
    }
  }
}
