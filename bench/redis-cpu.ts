/**
 * CPU time of the bench's redis-server, from `INFO cpu`: everything the
 * server did — commands, Lua, networking, expiry, pub/sub — counted once.
 *
 * NOTE: not the `INFO commandstats` usec total: it counts every command a Lua
 * script or a MULTI ran twice (under the command and again under
 * EVALSHA/EXEC), and none of the work Redis does outside commands (expiring
 * keys, publishing their events), which is all of plain keyspace
 * notifications' cost.
 */
import type Redis from 'ioredis';

/** `used_cpu_user` + `used_cpu_sys` of the server so far, in microseconds. */
export async function redisCpuMicros(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const seconds = (name: string) => {
    const value = Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
    if (!Number.isFinite(value)) throw new Error(`INFO cpu has no ${name}`);
    return value;
  };
  return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6);
}
