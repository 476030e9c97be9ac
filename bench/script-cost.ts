/**
 * What Lua scripts cost the bench server over a case, from `INFO
 * commandstats`: the module (like BullMQ) runs every script by EVALSHA, and
 * ioredis falls back to EVAL when a script is not cached yet.
 */
import type Redis from 'ioredis';
import { formatInt } from './format';

export interface ScriptCost {
  calls: number;
  /** Calls that ended in an error (a script that raised one, or a rejected call). */
  failedCalls: number;
  /** Time Redis spent running them, in microseconds. */
  usec: number;
}

/** Redis' running totals of EVALSHA and EVAL since it started. */
export async function scriptCounters(admin: Redis): Promise<ScriptCost> {
  const info = await admin.info('commandstats');
  const total: ScriptCost = { calls: 0, failedCalls: 0, usec: 0 };
  // e.g. cmdstat_evalsha:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=0
  for (const [, fields] of info.matchAll(/^cmdstat_eval(?:sha)?:([^\r\n]*)/gm)) {
    const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(fields)?.[1] ?? 0);
    total.calls += field('calls');
    total.failedCalls += field('failed_calls') + field('rejected_calls');
    total.usec += field('usec');
  }
  return total;
}

/** The cost between two readings of `scriptCounters`. */
export function scriptCostBetween(before: ScriptCost, after: ScriptCost): ScriptCost {
  return {
    calls: after.calls - before.calls,
    failedCalls: after.failedCalls - before.failedCalls,
    usec: after.usec - before.usec,
  };
}

/** "1,234 script calls (12 failed), 456 ms of Lua, 45.6 µs per task". */
export function describeScriptCost(cost: ScriptCost, tasks: number): string {
  const failed = cost.failedCalls ? ` (${formatInt(cost.failedCalls)} failed)` : '';
  return `${formatInt(cost.calls)} script calls${failed}, ${formatInt(cost.usec / 1000)} ms of Lua, ${(cost.usec / tasks).toFixed(1)} µs per task`;
}
