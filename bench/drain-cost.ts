/**
 * What draining a case's tasks cost Redis and the consumer processes, from
 * running totals read just before the due instant and again at the end.
 */
import type Redis from 'ioredis';
import { ConsumerUsage, usageBetween } from './consumer-usage';
import { redisCpuMicros } from './redis-cpu';
import { ScriptCost, scriptCostBetween, scriptCounters } from './script-cost';

/** What draining cost, per delivered task, in microseconds. */
export interface DrainCost {
  /** The bench redis-server's CPU time (`INFO cpu` user + sys). */
  redis: number;
  /** Time Redis spent in Lua scripts (`INFO commandstats` EVAL/EVALSHA usec, the commands they ran included). */
  lua: number;
  /** CPU time of the consumer process(es) (`process.cpuUsage()` user + system). */
  node: number;
  /** Time Redis spent in each data command (see ScriptCost), most first. */
  commands: Array<{ command: string; micros: number }>;
}

/**
 * How long before the due instant the drain's cost starts being counted:
 * scheduling is over by then, and the readings (a round trip to Redis and to
 * each consumer process) are done before the first task is due.
 */
export const DRAIN_READING_LEAD_MS = 50;

/** Running totals the drain's cost is the difference of. */
export interface CostReading {
  redisCpuMicros: number;
  scripts: ScriptCost;
  consumers: ConsumerUsage;
}

/** Redis' running totals now, beside the consumers' usage just read. */
export async function readCost(admin: Redis, consumers: ConsumerUsage): Promise<CostReading> {
  const [redisCpu, scripts] = await Promise.all([redisCpuMicros(admin), scriptCounters(admin)]);
  return { redisCpuMicros: redisCpu, scripts, consumers };
}

export function drainCostBetween(
  before: CostReading,
  after: CostReading,
  delivered: number,
): DrainCost {
  const perTask = (micros: number) => micros / Math.max(delivered, 1);
  const scripts = scriptCostBetween(before.scripts, after.scripts);
  return {
    redis: perTask(after.redisCpuMicros - before.redisCpuMicros),
    lua: perTask(scripts.usec),
    node: perTask(usageBetween(before.consumers, after.consumers).cpuMicros),
    commands: Object.entries(scripts.commands)
      .map(([command, usec]) => ({ command, micros: perTask(usec) }))
      .sort((a, b) => b.micros - a.micros),
  };
}
