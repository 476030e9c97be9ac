/**
 * Runs one case — one workload, one mechanism, one run — on the bench's own
 * Redis and measures it. Every mechanism goes through exactly the same steps,
 * clock and counting, so their figures compare.
 */
import type Redis from 'ioredis';
import { calibrateClock, now, sleep } from './clock';
import type { ConsumerPool } from './consumer-pool';
import type { ConsumerProcess } from './consumer-process';
import { ConsumerUsage, totalUsage, usageBetween, usageOf } from './consumer-usage';
import {
  CostReading,
  DRAIN_READING_LEAD_MS,
  DrainCost,
  drainCostBetween,
  readCost,
} from './drain-cost';
import { FireLog } from './fire-log';
import { BenchTask, Endpoint, Mechanism, taskKey } from './mechanisms/mechanism';
import { dataMemory } from './redis-memory';
import { ScriptCost, scriptCostBetween, scriptCounters } from './script-cost';
import { LatenessSummary, summarize } from './stats';
import { loadUnhandledCrowd } from './unhandled-crowd';
import { fillVolatileKeys } from './volatile-fill';
import { handledTasks, Workload } from './workloads';

export interface CaseResult {
  workload: Workload;
  mechanism: Mechanism;
  run: number;
  /** Tasks scheduled and handled: the workload's tasks and the burst beside them. */
  scheduled: number;
  /** Distinct tasks delivered at least once. */
  delivered: number;
  /** Handler runs beyond the first, over all tasks and consumer instances. */
  duplicates: number;
  /** Lateness of the workload's tasks (the stream's, beside a burst). */
  lateness: LatenessSummary;
  /** Lateness of each of those tasks delivered (ms), kept for the chart. */
  samples: Float64Array;
  /** Tasks per second of the scheduling call(s). */
  scheduleRate: number;
  /** Growth of Redis' data memory from scheduling, per task; unset if a task could have fired meanwhile or nothing is stored. */
  bytesPerTask?: number;
  /** Tasks all due at once only: delivered tasks per second from the due instant to the last delivery. */
  drainRate?: number;
  drainMs?: number;
  /** Lateness of the burst beside the stream, when the workload has one. */
  besideBurstLateness?: LatenessSummary;
  /** Cases consumed in consumer processes: what the drain cost, from just before the due instant to the end of the settle wait. */
  drainCost?: DrainCost;
  /** The module only: claim script calls per delivered task, from before scheduling to the end of the settle wait. */
  claimsPerTask?: number;
  /** Handler runs per consumer process (multi-instance cases). */
  perInstance?: readonly number[];
  /** Tasks the mechanism still held pending at the end (cases beside unhandled tasks). */
  pendingAfter?: number;
  /** Lua scripts run from scheduling to the end of the case (slow-handler cases). */
  scripts?: ScriptCost;
  notes: string[];
  /** Set when the case could not run to the end. */
  error?: string;
}

export interface CaseContext {
  /** Connection to the bench's own server, for FLUSHALL, CONFIG SET, MEMORY STATS and INFO. */
  admin: Redis;
  url: string;
  consumers: ConsumerPool;
  /** Scheduling rate this mechanism reached earlier (tasks/s); sizes the lead. */
  rateHint: number;
  /** Lead time beyond the expected scheduling time, for jitter. */
  leadMarginMs: number;
  /** Extra wait after the last first-delivery, to catch late duplicates. */
  settleMs: number;
}

/** The lead allows this many times the scheduling time the rate hint predicts. */
export const LEAD_SAFETY = 2;

/** How long a case waits for the connections of the one before to be gone. */
const LINGER_TIMEOUT_MS = 5_000;

/** The module's default `sweepIntervalMs`, which the bench leaves as it is. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * How long after the last first delivery the bench keeps counting handler
 * runs of a slow-handler workload. A delivery whose lease lapses is taken over
 * once the lease has run out and the sweep has found it: as late as the end of
 * its handler, plus a lease, plus a sweep interval.
 */
export function duplicateWatchMs(workload: Workload): number {
  const { tuning } = workload;
  return tuning ? tuning.handlerMs + tuning.leaseMs + SWEEP_INTERVAL_MS : 0;
}

/**
 * Waits until only the admin connection is left, so that no earlier case's
 * traffic, nor the freeing of its connections, leaks into this case's figures.
 */
async function awaitOtherClientsGone(admin: Redis, notes: string[]): Promise<void> {
  const deadline = Date.now() + LINGER_TIMEOUT_MS;
  for (;;) {
    const others = Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1]) - 1;
    if (others <= 0) return;
    if (Date.now() > deadline) {
      notes.push(`${others} connection(s) of an earlier case still open at the start`);
      return;
    }
    await sleep(20);
  }
}

/** Empties the bench server, applies the case's Redis settings and loads its crowd, if any. */
async function prepareServer(
  { admin, url }: CaseContext,
  workload: Workload,
  mechanism: Mechanism,
  notes: string[],
): Promise<void> {
  await awaitOtherClientsGone(admin, notes);
  await admin.flushall();
  await admin.config('SET', 'hz', String(workload.hz));
  await admin.config('SET', 'notify-keyspace-events', mechanism.needsKeyspaceEvents ? 'Ex' : '');
  if (workload.volatileKeys > 0) {
    const ms = await fillVolatileKeys(admin, workload.volatileKeys);
    notes.push(
      `loaded ${workload.volatileKeys.toLocaleString('en-US')} volatile keys in ${(ms / 1000).toFixed(1)} s`,
    );
  }
  if (workload.unhandledTasks > 0) {
    const ms = await loadUnhandledCrowd(mechanism, url, workload.unhandledTasks);
    notes.push(
      `loaded ${workload.unhandledTasks.toLocaleString('en-US')} unhandled overdue tasks in ${(ms / 1000).toFixed(1)} s`,
    );
  }
}

/**
 * Due times, integer ms like the APIs take: the workload's tasks spread
 * evenly over its window starting `leadMs` from now, then the burst beside
 * them, if any, all due at the window's start.
 */
function dueTimes(workload: Workload, leadMs: number): Float64Array {
  const first = Math.ceil(now() + leadMs);
  const due = new Float64Array(handledTasks(workload)).fill(first);
  for (let i = 0; i < workload.tasks; i += 1) {
    due[i] = first + Math.floor((i * workload.spreadMs) / workload.tasks);
  }
  return due;
}

function tasksDueAt(dueAt: Float64Array): BenchTask[] {
  return Array.from(dueAt, (due, index) => ({ index, key: taskKey(index), dueAt: due }));
}

/** Opens the consumers the workload asks for; with none, the bench process consumes itself. */
async function openConsumers(
  mechanism: Mechanism,
  workload: Workload,
  ctx: CaseContext,
  log: FireLog,
  started: ConsumerProcess[],
): Promise<Endpoint> {
  if (workload.instances === 0) {
    // One instance in the bench process both schedules and handles, as a typical app does.
    return mechanism.open(
      ctx.url,
      (index, firedAt) => log.record(index, firedAt, 0),
      workload.tuning,
    );
  }
  const consumers = ctx.consumers.acquire(workload.instances);
  started.push(...consumers);
  await Promise.all(
    consumers.map((consumer, instance) =>
      consumer.start(
        { kind: mechanism.kind, concurrency: mechanism.concurrency },
        ctx.url,
        (index, firedAt) => log.record(index, firedAt, instance),
        workload.tuning,
      ),
    ),
  );
  // The bench process only schedules here; the consumers are the child processes.
  return mechanism.open(ctx.url);
}

/** What the consumers spent so far: the child processes', or the bench process's own when it consumes. */
async function consumerUsage(
  consumers: readonly ConsumerProcess[],
  scheduler: Endpoint,
): Promise<ConsumerUsage> {
  if (consumers.length === 0) return usageOf(scheduler);
  return totalUsage(await Promise.all(consumers.map((consumer) => consumer.usage())));
}

async function runMeasured(
  mechanism: Mechanism,
  workload: Workload,
  ctx: CaseContext,
  notes: string[],
): Promise<Partial<CaseResult>> {
  const total = handledTasks(workload);
  const log = new FireLog(total, workload.instances);
  const consumers: ConsumerProcess[] = [];
  let scheduler: Endpoint | undefined;
  try {
    scheduler = await openConsumers(mechanism, workload, ctx, log, consumers);
    const memoryBefore = await dataMemory(ctx.admin);
    // Claims a consumer makes as tasks are scheduled count too.
    const usageBefore = await consumerUsage(consumers, scheduler);

    calibrateClock();
    const leadMs = ctx.leadMarginMs + Math.ceil((LEAD_SAFETY * total * 1000) / ctx.rateHint);
    const due = dueTimes(workload, leadMs);
    const firstDue = due[0];
    const lastDue = due[workload.tasks - 1];
    const scriptsBefore =
      workload.kind === 'in-flight' ? await scriptCounters(ctx.admin) : undefined;
    const start = now();
    await scheduler.schedule(tasksDueAt(due));
    const end = now();
    const memoryAfter = await dataMemory(ctx.admin);
    const result: Partial<CaseResult> = {
      scheduleRate: (total * 1000) / Math.max(end - start, 0.001),
    };
    if (mechanism.storesTasks) {
      if (now() < firstDue) {
        result.bytesPerTask = (memoryAfter - memoryBefore) / total;
      } else if (end > firstDue) {
        notes.push(
          `scheduling finished ${(end - firstDue).toFixed(0)} ms after the first due time (no memory figure)`,
        );
      } else {
        notes.push('memory read after the first due time (no memory figure)');
      }
    }

    // Consumer processes run nothing but the drain, so their CPU is the drain's.
    let costBefore: CostReading | undefined;
    if (consumers.length > 0) {
      const readAt = firstDue - DRAIN_READING_LEAD_MS;
      if (now() < readAt) {
        await sleep(readAt - now());
        costBefore = await readCost(ctx.admin, await consumerUsage(consumers, scheduler));
      } else {
        notes.push('scheduling ran into the due instant (no CPU figures)');
      }
    }

    const complete = await log.whenComplete(lastDue + workload.waitMs - now());
    if (!complete)
      notes.push(`stopped waiting ${workload.waitMs / 1000} s after the last due time`);
    await sleep(ctx.settleMs + duplicateWatchMs(workload));
    if (scriptsBefore)
      result.scripts = scriptCostBetween(scriptsBefore, await scriptCounters(ctx.admin));
    const usageAfter = await consumerUsage(consumers, scheduler);
    const costAfter = costBefore && (await readCost(ctx.admin, usageAfter));
    if (workload.unhandledTasks > 0 && scheduler.pendingCount) {
      // Once every handled task is delivered and acknowledged, what is left pending is the crowd.
      result.pendingAfter = await scheduler.pendingCount();
      notes.push(
        result.pendingAfter === workload.unhandledTasks
          ? `all ${workload.unhandledTasks.toLocaleString('en-US')} unhandled tasks still pending after the case`
          : `pending after the case: ${result.pendingAfter.toLocaleString('en-US')}, expected the ${workload.unhandledTasks.toLocaleString('en-US')} unhandled tasks`,
      );
    }
    // Consumer processes report their last fires while stopping: stop them before reading the log.
    await Promise.all(consumers.map((consumer) => consumer.stop()));

    result.delivered = log.distinct;
    result.duplicates = log.duplicates;
    result.samples = log.lateness(due, 0, workload.tasks);
    result.lateness = summarize(result.samples);
    if (log.stray > 0) notes.push(`${log.stray} deliveries of keys that were not scheduled`);
    if (costBefore && costAfter)
      result.drainCost = drainCostBetween(costBefore, costAfter, log.distinct);
    const claims = usageBetween(usageBefore, usageAfter).claimCalls;
    if (claims !== undefined) result.claimsPerTask = claims / Math.max(log.distinct, 1);
    // The tasks due at once, if any: how fast they were drained.
    const burstFrom = workload.spreadMs === 0 ? 0 : workload.tasks;
    if (burstFrom < total) {
      const burstDelivered = log.lateness(due, burstFrom, total);
      if (workload.besideBurst > 0) result.besideBurstLateness = summarize(burstDelivered);
      if (burstDelivered.length > 0) {
        result.drainMs = log.lastFirstFire(burstFrom, total) - firstDue;
        result.drainRate = (burstDelivered.length * 1000) / Math.max(result.drainMs, 0.001);
      }
    }
    if (workload.instances > 1) result.perInstance = [...log.handledPerInstance];
    return result;
  } finally {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await scheduler?.close();
  }
}

/** Runs one case; failures are reported in the result rather than thrown, so the other cases still run. */
export async function runCase(
  mechanism: Mechanism,
  workload: Workload,
  run: number,
  ctx: CaseContext,
): Promise<CaseResult> {
  const notes: string[] = [];
  const base: CaseResult = {
    workload,
    mechanism,
    run,
    scheduled: handledTasks(workload),
    delivered: 0,
    duplicates: 0,
    lateness: summarize([]),
    samples: new Float64Array(0),
    scheduleRate: Number.NaN,
    notes,
  };
  try {
    await prepareServer(ctx, workload, mechanism, notes);
    return { ...base, ...(await runMeasured(mechanism, workload, ctx, notes)) };
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  }
}
