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
  /**
   * Time spent in each data command (`zrem`, `hmget`, ...), in microseconds:
   * those the scripts ran, counted a second time under their own names, and
   * the few a client sends outside scripts (heartbeats).
   */
  commands: Record<string, number>;
}

/** Commands that are not data commands of a mechanism: scripts themselves and the bench's readings. */
const NOT_DATA_COMMANDS =
  /^(eval|evalsha|info|config\|.*|client\|.*|memory\|.*|ping|hello|select)$/;

/** Redis' running totals of EVALSHA and EVAL, and of every data command, since it started. */
export async function scriptCounters(admin: Redis): Promise<ScriptCost> {
  const info = await admin.info('commandstats');
  const total: ScriptCost = { calls: 0, failedCalls: 0, usec: 0, commands: {} };
  // e.g. cmdstat_evalsha:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=0
  for (const [, command, fields] of info.matchAll(/^cmdstat_([^:]+):([^\r\n]*)/gm)) {
    const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(fields)?.[1] ?? 0);
    if (command === 'eval' || command === 'evalsha') {
      total.calls += field('calls');
      total.failedCalls += field('failed_calls') + field('rejected_calls');
      total.usec += field('usec');
    } else if (!NOT_DATA_COMMANDS.test(command)) {
      total.commands[command] = field('usec');
    }
  }
  return total;
}

/** The cost between two readings of `scriptCounters`. */
export function scriptCostBetween(before: ScriptCost, after: ScriptCost): ScriptCost {
  const commands: Record<string, number> = {};
  for (const [command, usec] of Object.entries(after.commands)) {
    const spent = usec - (before.commands[command] ?? 0);
    if (spent > 0) commands[command] = spent;
  }
  return {
    calls: after.calls - before.calls,
    failedCalls: after.failedCalls - before.failedCalls,
    usec: after.usec - before.usec,
    commands,
  };
}

/** "1,234 script calls (12 failed), 456 ms of Lua, 45.6 µs per task". */
export function describeScriptCost(cost: ScriptCost, tasks: number): string {
  const failed = cost.failedCalls ? ` (${formatInt(cost.failedCalls)} failed)` : '';
  return `${formatInt(cost.calls)} script calls${failed}, ${formatInt(cost.usec / 1000)} ms of Lua, ${(cost.usec / tasks).toFixed(1)} µs per task`;
}
