/**
 * What a consuming process has spent so far: its CPU time and, for the
 * module, its claim script calls. Read at two instants of a case, the
 * difference is what the consumer spent in between.
 */
import type { Endpoint } from './mechanisms/mechanism';

export interface ConsumerUsage {
  /** `process.cpuUsage()` user + system, in microseconds. */
  cpuMicros: number;
  /** Calls of the module's claim script; unset for the other mechanisms. */
  claimCalls?: number;
}

/** This process's usage, with the claim calls of its consuming endpoint. */
export function usageOf(endpoint: Endpoint | undefined): ConsumerUsage {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system, claimCalls: endpoint?.claimCalls?.() };
}

/** Several processes' usage added up (instances of one case). */
export function totalUsage(usages: readonly ConsumerUsage[]): ConsumerUsage {
  const counted = usages.filter((u) => u.claimCalls !== undefined);
  return {
    cpuMicros: usages.reduce((sum, u) => sum + u.cpuMicros, 0),
    claimCalls: counted.length
      ? counted.reduce((sum, u) => sum + (u.claimCalls ?? 0), 0)
      : undefined,
  };
}

/** What was spent between two readings of the same processes. */
export function usageBetween(before: ConsumerUsage, after: ConsumerUsage): ConsumerUsage {
  return {
    cpuMicros: after.cpuMicros - before.cpuMicros,
    claimCalls:
      before.claimCalls === undefined || after.claimCalls === undefined
        ? undefined
        : after.claimCalls - before.claimCalls,
  };
}
