/** Loads the "unrelated volatile keys" of the crowded-database workloads, fast. */
import type Redis from 'ioredis';

/**
 * NOTE: a server-side loop writes a million keys in about a second with no
 * client round trips; chunks keep each script short so Redis stays responsive.
 * KEYS: none. ARGV[1] first index, ARGV[2] last index, ARGV[3] TTL in seconds.
 * Returns the number of keys written.
 */
const FILL_SCRIPT = `
local ttl = tonumber(ARGV[3])
for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
  redis.call('SET', 'filler:' .. i, 'x', 'EX', ttl)
end
return tonumber(ARGV[2]) - tonumber(ARGV[1]) + 1`;

const CHUNK = 100_000;

/** Writes `count` keys `filler:<i>` expiring in `ttlSeconds`; resolves with how long it took (ms). */
export async function fillVolatileKeys(
  admin: Redis,
  count: number,
  ttlSeconds = 3_600,
): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < count; first += CHUNK) {
    const last = Math.min(count, first + CHUNK) - 1;
    await admin.eval(FILL_SCRIPT, 0, first, last, ttlSeconds);
  }
  const volatile = await volatileKeyCount(admin);
  if (volatile < count)
    throw new Error(`expected ${count} volatile keys, Redis reports ${volatile}`);
  return performance.now() - started;
}

/** `expires=` of db0 in INFO keyspace. */
async function volatileKeyCount(admin: Redis): Promise<number> {
  const info = await admin.info('keyspace');
  const match = /db0:keys=\d+,expires=(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}
