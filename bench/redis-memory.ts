/** How much memory the data in the bench server takes, for "bytes per pending task". */
import type Redis from 'ioredis';

/**
 * Redis' allocated memory minus what its client connections and the Lua
 * script cache hold.
 *
 * NOTE: client buffers move on their own — a pipeline sits in a query buffer,
 * and Redis' cron shrinks idle reply buffers (~15 KB per connection) at a pace
 * set by `hz` — which would swamp the figure of a small case. MEMORY STATS'
 * `clients.normal` is only refreshed by that same cron, so the live per-client
 * `tot-mem` of CLIENT LIST is subtracted instead, read in one MULTI with the
 * total so nothing runs in between.
 */
export async function dataMemory(admin: Redis): Promise<number> {
  const replies = await admin.multi().call('CLIENT', 'LIST').call('MEMORY', 'STATS').exec();
  const [clientList, memoryStats] = (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  let clients = 0;
  for (const match of String(clientList).matchAll(/\btot-mem=(\d+)/g)) clients += Number(match[1]);

  const flat = memoryStats as unknown[];
  const stats = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) stats.set(String(flat[i]), flat[i + 1]);
  const field = (name: string): number => {
    const value = Number(stats.get(name));
    if (!Number.isFinite(value)) throw new Error(`MEMORY STATS has no ${name}`);
    return value;
  };
  return field('total.allocated') - clients - field('lua.caches');
}
