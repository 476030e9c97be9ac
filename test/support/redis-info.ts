import IORedis, { Redis } from 'ioredis';
import type { RedisServer } from '../../lib/testing/redis-server';

/**
 * How many times the server ran a command (or `command|subcommand`) since it
 * started, from `INFO commandstats`. Lets a test prove the module did NOT send
 * something (e.g. `config|set`), which no reply can show.
 */
export async function commandCalls(client: Redis, command: string): Promise<number> {
  return commandStat(client, command, 'calls');
}

/**
 * How many calls of a command failed or were rejected since the server
 * started, from `INFO commandstats`. A script that errors (Lua's unpack
 * limit, a wrong argument) counts here even when its caller swallowed it.
 */
export async function failedCalls(client: Redis, command: string): Promise<number> {
  const [failed, rejected] = await Promise.all([
    commandStat(client, command, 'failed_calls'),
    commandStat(client, command, 'rejected_calls'),
  ]);
  return failed + rejected;
}

async function commandStat(client: Redis, command: string, field: string): Promise<number> {
  const info = await client.info('commandstats');
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`cmdstat_${command}:`));
  const value = line?.match(new RegExp(`[:,]${field}=(\\d+)`));
  return value ? Number(value[1]) : 0;
}

/** The server's `notify-keyspace-events`, as Redis normalises it (e.g. "Kg" reads back "gK"). */
export async function keyspaceFlags(client: Redis): Promise<string> {
  const reply = (await client.config('GET', 'notify-keyspace-events')) as string[];
  return reply[1] ?? '';
}

/** Parsed `CLIENT LIST`: one record of `field=value` pairs per connection. */
export async function clientList(client: Redis): Promise<Array<Record<string, string>>> {
  const list = (await client.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((pair) => {
            const at = pair.indexOf('=');
            return [pair.slice(0, at), pair.slice(at + 1)];
          }),
      ),
    );
}

/** Runs `run` on a short-lived connection to one test server (a cluster node, a Sentinel's primary…). */
export async function onNode<T>(node: RedisServer, run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new IORedis(node.port, node.host);
  try {
    return await run(client);
  } finally {
    client.disconnect();
  }
}

/** `notify-keyspace-events` of one test server. */
export const flagsOf = (node: RedisServer): Promise<string> => onNode(node, keyspaceFlags);

/** A numeric field (e.g. `master_repl_offset`) of an `INFO replication` reply; -1 if absent. */
export const replicationOffset = (info: string, field: string): number =>
  Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? -1);
