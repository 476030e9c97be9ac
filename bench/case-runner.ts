/**
 * Runs one case — one workload, one mechanism, one run — on the bench's own
 * Redis and measures it. Every mechanism goes through exactly the same steps,
 * clock and counting, so their figures compare.
 */
import type Redis from 'ioredis';
import { calibrateClock, now, sleep } from './clock';
import { ChildConsumer } from './consumer-host';
import { FireLog } from './fire-log';
import { BenchTask, Endpoint, Mechanism, MechanismSettings, taskKey } from './mechanisms/mechanism';
import { LatenessSummary, summarize } from './stats';
import { fillVolatileKeys } from './volatile-fill';
import { MEMORY_CASE_DELAY_MS, MIN_LEAD_MS, Workload } from './workloads';

export interface CaseResult {
  workload: Workload;
  mechanism: Mechanism;
  run: number;
  scheduled: number;
  /** Distinct tasks delivered at least once. */
  delivered: number;
  duplicates: number;
  lateness: LatenessSummary;
  /** Lateness of each delivered task (ms), kept for the chart. */
  samples: Float64Array;
  /** Tasks per second of the scheduling call(s). */
  scheduleRate: number;
  /** Burst only: delivered tasks per second from the due instant to the last delivery. */
  drainRate?: number;
  drainMs?: number;
  /** Memory case only: used_memory delta / tasks. */
  bytesPerTask?: number;
  /** Handler runs per consumer process (multi-instance cases). */
  perInstance?: readonly number[];
  notes: string[];
  /** Set when the case could not run to the end. */
  error?: string;
}

export interface CaseContext {
  admin: Redis;
  url: string;
  settings: MechanismSettings;
  /** Scheduling rate this mechanism reached earlier (tasks/s); sizes the lead before a burst. */
  rateHint: number;
  /** Extra wait after the last first-delivery, to catch late duplicates. */
  settleMs: number;
}

/** Empties the bench server and applies the workload's Redis settings. */
async function prepareServer(admin: Redis, workload: Workload, notes: string[]): Promise<void> {
  await admin.flushall();
  await admin.config('SET', 'hz', String(workload.hz));
  if (workload.volatileKeys > 0) {
    const ms = await fillVolatileKeys(admin, workload.volatileKeys);
    notes.push(
      `loaded ${workload.volatileKeys.toLocaleString('en-US')} volatile keys in ${(ms / 1000).toFixed(1)} s`,
    );
  }
}

async function usedMemory(admin: Redis): Promise<number> {
  const match = /used_memory:(\d+)/.exec(await admin.info('memory'));
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

function tasksDueAt(dueAt: Float64Array): BenchTask[] {
  return Array.from(dueAt, (due, index) => ({ index, key: taskKey(index), dueAt: due }));
}

/** Due times spread evenly over the workload's window, starting `leadMs` from now; integer ms like the APIs take. */
function dueTimes(workload: Workload, leadMs: number): Float64Array {
  const first = Math.ceil(now() + leadMs);
  const due = new Float64Array(workload.tasks);
  for (let i = 0; i < workload.tasks; i += 1) {
    due[i] = first + Math.floor((i * workload.spreadMs) / workload.tasks);
  }
  return due;
}

/** Time from the start of scheduling to the first due time: long enough for scheduling to finish first. */
function leadFor(workload: Workload, rateHint: number): number {
  return Math.max(MIN_LEAD_MS, Math.ceil((2 * workload.tasks * 1000) / rateHint) + 1_000);
}

async function timedSchedule(
  endpoint: Endpoint,
  tasks: readonly BenchTask[],
): Promise<{ start: number; end: number; rate: number }> {
  const start = now();
  await endpoint.schedule(tasks);
  const end = now();
  return { start, end, rate: (tasks.length * 1000) / Math.max(end - start, 0.001) };
}

async function runMemoryCase(
  mechanism: Mechanism,
  workload: Workload,
  ctx: CaseContext,
  notes: string[],
): Promise<Partial<CaseResult>> {
  const endpoint = await mechanism.open(ctx.url);
  try {
    // Let connection setup (client buffers, script loading) settle before the baseline.
    await sleep(500);
    const before = await usedMemory(ctx.admin);
    calibrateClock();
    const tasks = tasksDueAt(dueTimes(workload, MEMORY_CASE_DELAY_MS));
    const { rate } = await timedSchedule(endpoint, tasks);
    // NOTE: Redis shrinks idle clients' query buffers in its cron; give it a
    // few cycles so the delta is the stored tasks, not a pipeline still in a buffer.
    await sleep(1_500);
    const after = await usedMemory(ctx.admin);
    const keys = await ctx.admin.dbsize();
    notes.push(
      `used_memory ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} B, ${keys.toLocaleString('en-US')} keys`,
    );
    return { scheduleRate: rate, bytesPerTask: (after - before) / workload.tasks };
  } finally {
    await endpoint.close();
  }
}

async function runDeliveryCase(
  mechanism: Mechanism,
  workload: Workload,
  ctx: CaseContext,
  notes: string[],
): Promise<Partial<CaseResult>> {
  const log = new FireLog(workload.tasks, workload.instances);
  const children: ChildConsumer[] = [];
  let scheduler: Endpoint | undefined;
  try {
    if (workload.instances === 0) {
      // One instance in the bench process both schedules and handles, as a typical app does.
      scheduler = await mechanism.open(ctx.url, (index, firedAt) => log.record(index, firedAt));
    } else {
      const started = await Promise.allSettled(
        Array.from({ length: workload.instances }, (_, instance) =>
          ChildConsumer.start(mechanism.id, ctx.settings, ctx.url, log, instance),
        ),
      );
      for (const outcome of started)
        if (outcome.status === 'fulfilled') children.push(outcome.value);
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      // The bench process only schedules here; the consumers are the child processes.
      scheduler = await mechanism.open(ctx.url);
    }

    calibrateClock();
    const due = dueTimes(workload, leadFor(workload, ctx.rateHint));
    const firstDue = due[0];
    const lastDue = due[due.length - 1];
    const scheduling = await timedSchedule(scheduler, tasksDueAt(due));
    if (scheduling.end > firstDue) {
      notes.push(
        `scheduling finished ${(scheduling.end - firstDue).toFixed(0)} ms after the first due time`,
      );
    }

    const complete = await log.whenComplete(lastDue + workload.waitMs - now());
    if (!complete)
      notes.push(`stopped waiting ${workload.waitMs / 1000} s after the last due time`);
    await sleep(ctx.settleMs);

    // Children report their last fires while stopping, so stop them before reading the log.
    await Promise.all(children.map((child) => child.stop()));
    children.length = 0;

    const samples = log.lateness(due);
    const result: Partial<CaseResult> = {
      delivered: log.distinct,
      duplicates: log.duplicates,
      samples,
      lateness: summarize(samples),
      scheduleRate: scheduling.rate,
    };
    if (log.stray > 0) notes.push(`${log.stray} deliveries of keys that were not scheduled`);
    if (workload.kind === 'burst' && log.distinct > 0) {
      result.drainMs = log.lastFire - firstDue;
      result.drainRate = (log.distinct * 1000) / Math.max(result.drainMs, 0.001);
    }
    if (workload.instances > 1) result.perInstance = [...log.handledPerInstance];
    return result;
  } finally {
    await Promise.allSettled(children.map((child) => child.stop()));
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
  const empty = summarize([]);
  const base: CaseResult = {
    workload,
    mechanism,
    run,
    scheduled: workload.tasks,
    delivered: 0,
    duplicates: 0,
    lateness: empty,
    samples: new Float64Array(0),
    scheduleRate: Number.NaN,
    notes,
  };
  try {
    await prepareServer(ctx.admin, workload, notes);
    const measured =
      workload.kind === 'memory'
        ? await runMemoryCase(mechanism, workload, ctx, notes)
        : await runDeliveryCase(mechanism, workload, ctx, notes);
    return { ...base, ...measured };
  } catch (error) {
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  }
}
