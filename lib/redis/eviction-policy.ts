import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  errorMessage,
  evictionPolicyUnchecked,
  evictionPolicyUnsafe,
} from '../delay-task.messages';
import { RedisServerRef } from './redis-connection';

/** The one `maxmemory-policy` under which Redis never deletes a key to make room. */
const NO_EVICTION = 'noeviction';

type PolicyReading = { address: string; policy: string } | { address: string; refused: string };

/**
 * `maxmemory-policy` of one server: from `INFO memory`, or `CONFIG GET` where
 * INFO is refused. Rejects with both reasons when neither answers.
 *
 * NOTE: INFO first: managed Redis services that disable CONFIG answer it, and
 * an ACL user can be given INFO without CONFIG GET (which reveals passwords).
 */
export async function readEvictionPolicy(client: Redis): Promise<string> {
  const refusals: string[] = [];
  try {
    const policy = /^maxmemory_policy:(\S+)/m.exec(await client.info('memory'))?.[1];
    if (policy) return policy;
    refusals.push('INFO memory has no maxmemory_policy');
  } catch (error) {
    refusals.push(errorMessage(error));
  }
  try {
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1]) return reply[1];
    refusals.push('CONFIG GET returned nothing');
  } catch (error) {
    refusals.push(errorMessage(error));
  }
  throw new Error(refusals.join('; '));
}

/**
 * Warns, once for all `servers`, when one may evict keys under memory
 * pressure, and says in one line which servers could not be asked. Never
 * fails the start: a Redis that may evict still works until it is full.
 */
export async function checkEvictionPolicy(
  servers: RedisServerRef[],
  logger: Logger,
): Promise<void> {
  const readings = await Promise.all(
    servers.map(async ({ client, address }): Promise<PolicyReading> => {
      try {
        return { address, policy: await readEvictionPolicy(client) };
      } catch (error) {
        return { address, refused: errorMessage(error) };
      }
    }),
  );
  const evicting = readings.filter(
    (r): r is Extract<PolicyReading, { policy: string }> =>
      'policy' in r && r.policy !== NO_EVICTION,
  );
  const unchecked = readings.filter(
    (r): r is Extract<PolicyReading, { refused: string }> => 'refused' in r,
  );
  if (evicting.length > 0) logger.warn(evictionPolicyUnsafe(evicting));
  if (unchecked.length > 0) {
    logger.log(
      evictionPolicyUnchecked(
        unchecked.map((r) => r.address),
        unchecked[0].refused,
      ),
    );
  }
}
