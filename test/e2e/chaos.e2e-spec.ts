/**
 * Chaos: a web tier keeps scheduling, cancelling and rescheduling while three
 * worker processes run slow handlers, and faults strike meanwhile — a worker
 * SIGKILLed mid-handler (and replaced), every client connection killed, Redis
 * SIGKILLed and revived from its fsynced AOF. Afterwards the scheduled-task
 * guarantees of DESIGN must hold over everything the workers reported.
 *
 * NOTE: Redis, the workers and this process run on one machine and read one
 * clock, so `Date.now()` in any of them is Redis' clock (`TIME`) as well: a
 * worker's `localNow` judges punctuality with no estimate in between.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { DURABLE_CONFIG } from '../../lib/testing/redis-server';
import { FixtureApp, freshPrefix } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { onNode } from '../support/redis-info';
import { DueWindow, TaskCall, TaskExpectation, TaskLedger } from '../support/task-ledger';
import { waitFor } from '../support/wait-for';
import { HandlerReport, WorkerProcess, WorkerStartOptions } from '../support/worker-process';

const PATTERN = 'chaos:*';
const HANDLER_MODE = 'slow:50-300';
const LEASE_MS = 3_000;
/** Calls the web tier makes, one every CALL_EVERY_MS for WORKLOAD_MS: ~300 calls, ~180 tasks. */
const WORKLOAD_MS = 12_000;
const CALL_EVERY_MS = 40;
const MAX_DELAY_MS = 2_000;
/** When each fault strikes, counted from the workload's start. */
const WORKER_KILL_AT_MS = 2_500;
const CLIENT_KILL_AT_MS = 6_000;
const REDIS_KILL_AT_MS = 9_000;
/** How long Redis stays dead: tasks come due meanwhile and clients back off between reconnects. */
const REDIS_OUTAGE_MS = 500;
/** Slack before a delivery's report: from the claim reply to the handler's start, on a loaded 2-core machine. */
const CLAIM_TO_REPORT_MS = 250;
/** Slack after a handler's end: until its acknowledgement is written (batched on the next turn). */
const REPORT_TO_ACK_MS = 250;
/**
 * `firedAt` is the worker's estimate of Redis' clock: its own clock plus an
 * offset taken from the midpoint of a fast claim round trip, so it can read up
 * to half such a round trip (a millisecond or two on loopback) early.
 */
const CLOCK_ESTIMATE_TOLERANCE_MS = 5;

/** A fault and when it struck (this process' clock); a worker kill names its worker. */
interface Fault {
  kind: 'worker-kill' | 'client-kill' | 'redis-kill';
  startedAt: number;
  endedAt: number;
  worker?: string;
}

/** One delivery, as its worker reported it: started, and resolved unless the worker died first. */
interface Run {
  worker: string;
  handled: HandlerReport;
  completed?: HandlerReport;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const earliestOf = (windows: DueWindow[]) => Math.min(...windows.map((w) => w.earliest));
const within = (dueAt: number | undefined, windows: DueWindow[]) =>
  dueAt !== undefined && windows.some((w) => dueAt >= w.earliest && dueAt <= w.latest);

function runsOf(worker: WorkerProcess): Run[] {
  const runs: Run[] = [];
  for (const report of worker.events) {
    if (report.type === 'handled') runs.push({ worker: worker.name, handled: report });
    if (report.type !== 'completed') continue;
    const run = runs.find(
      (r) =>
        !r.completed &&
        r.handled.key === report.key &&
        r.handled.attempt === report.attempt &&
        r.handled.dueAt === report.dueAt,
    );
    if (run) run.completed = report;
  }
  return runs;
}

/** The due time a key's calls last told of, while it may still be pending. */
function lastToldDueAt(calls: TaskCall[]): number | null {
  let dueAt: number | null = null;
  for (const call of calls) {
    if (call.kind === 'cancel' && call.cancelled) return null;
    if (call.kind !== 'cancel' && call.dueAt !== null) dueAt = call.dueAt;
  }
  return dueAt;
}

describe('chaos: faults while tasks are scheduled, changed and run', () => {
  const suite = ProcessSuite.use({ config: DURABLE_CONFIG });

  it('keeps every scheduled-task guarantee through a worker kill, a client kill and a Redis kill', async () => {
    const prefix = freshPrefix();
    const workerOptions: WorkerStartOptions = {
      redisUrl: suite.redis.url,
      prefix,
      pattern: PATTERN,
      mode: HANDLER_MODE,
      options: { leaseMs: LEASE_MS, concurrency: 4, maxAttempts: 5 },
    };
    const workers = suite.keep(
      await WorkerProcess.startMany(3, { ...workerOptions, name: 'worker' }),
    );
    const webTier: FixtureApp = await suite.webTier(prefix);
    const ledger = new TaskLedger(webTier.tasks);
    const faults: Fault[] = [];
    const killedClients = { normal: 0, pubsub: 0 };

    const start = Date.now();
    const t = (ms: number) => ms - start;

    /** One call of the workload: mostly new tasks, else a cancel or a reschedule of one likely still pending. */
    const nextCall = (): Promise<void> => {
      const now = Date.now();
      const delay = randomInt(MAX_DELAY_MS + 1);
      // Due a moment ago counts as likely pending too: a cancel then may meet it in flight (false).
      const candidates = ledger.keys.filter((key) => {
        const dueAt = lastToldDueAt(ledger.history(key));
        return !ledger.isBusy(key) && dueAt !== null && dueAt > now - 200;
      });
      const roll = Math.random();
      if (candidates.length === 0 || roll < 0.6) {
        return ledger.schedule(`chaos:${randomBytes(6).toString('hex')}`, { delay }, delay);
      }
      const key = candidates[randomInt(candidates.length)];
      return roll < 0.8 ? ledger.cancel(key) : ledger.reschedule(key, delay);
    };

    const workload = async (): Promise<void> => {
      const calls: Array<Promise<void>> = [];
      while (Date.now() - start < WORKLOAD_MS) {
        calls.push(nextCall());
        await sleep(CALL_EVERY_MS);
      }
      await Promise.all(calls);
    };

    const unfinished = (worker: WorkerProcess) => runsOf(worker).filter((r) => !r.completed);

    const injectFaults = async (): Promise<void> => {
      await sleep(start + WORKER_KILL_AT_MS - Date.now());
      // Kill the busiest worker once one holds a delivery, so the kill surely interrupts one.
      await waitFor(
        () => workers.some((w) => unfinished(w).length > 0),
        10_000,
        'a worker in the middle of a delivery',
      );
      const victim = workers.reduce((busiest, w) =>
        unfinished(w).length > unfinished(busiest).length ? w : busiest,
      );
      const killStartedAt = Date.now();
      await victim.kill();
      faults.push({
        kind: 'worker-kill',
        worker: victim.name,
        startedAt: killStartedAt,
        endedAt: Date.now(),
      });
      workers.push(
        suite.keep(await WorkerProcess.start({ ...workerOptions, name: 'replacement' })),
      );

      await sleep(start + CLIENT_KILL_AT_MS - Date.now());
      await onNode(suite.redis, async (admin) => {
        await admin.ping();
        const startedAt = Date.now();
        killedClients.normal = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
        killedClients.pubsub = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
        faults.push({ kind: 'client-kill', startedAt, endedAt: Date.now() });
      });

      await sleep(start + REDIS_KILL_AT_MS - Date.now());
      const redisKilledAt = Date.now();
      await suite.redis.kill();
      await sleep(REDIS_OUTAGE_MS);
      await suite.redis.revive();
      faults.push({ kind: 'redis-kill', startedAt: redisKilledAt, endedAt: Date.now() });
    };

    const [workloadOutcome, faultsOutcome] = await Promise.allSettled([workload(), injectFaults()]);
    if (faultsOutcome.status === 'rejected') throw faultsOutcome.reason;
    if (workloadOutcome.status === 'rejected') throw workloadOutcome.reason;

    // Drained: nothing pending, in flight or dead, and no live worker still in a handler.
    const live = () => workers.filter((w) => w.running);
    await waitFor(
      async () => {
        const stats = await webTier.tasks.stats();
        return (
          stats.pending + stats.active + stats.dead === 0 &&
          live().every((w) => unfinished(w).length === 0)
        );
      },
      30_000,
      'the store drained and every live worker idle',
    );
    // A round trip on each IPC channel: every report a worker sent before it has arrived.
    await Promise.all(live().map((w) => w.setMode(HANDLER_MODE)));

    // What a fault may have disturbed.
    const connectionFaults = faults.filter((f) => f.kind !== 'worker-kill');
    const unreliable = (from: number, to: number) =>
      connectionFaults.some((f) => from <= f.endedAt && to >= f.startedAt);
    /** The fault that struck while a delivery held its task: between its claim and its acknowledgement. */
    const interruptedBy = (run: Run): Fault | undefined => {
      const heldFrom = run.handled.localNow - CLAIM_TO_REPORT_MS;
      const heldUntil = (run.completed?.localNow ?? Infinity) + REPORT_TO_ACK_MS;
      return faults.find((f) =>
        f.kind === 'worker-kill'
          ? f.worker === run.worker && heldUntil >= f.startedAt
          : heldFrom <= f.endedAt && heldUntil >= f.startedAt,
      );
    };

    const runs = workers.flatMap(runsOf).sort((a, b) => a.handled.localNow - b.handled.localNow);
    const runsByKey = new Map<string, Run[]>();
    for (const run of runs) {
      runsByKey.set(run.handled.key, [...(runsByKey.get(run.handled.key) ?? []), run]);
    }
    const expectations = new Map<string, TaskExpectation>(
      ledger.keys.map((key) => [key, ledger.expectation(key, unreliable)]),
    );
    const runsOfKey = (key: string) => runsByKey.get(key) ?? [];

    const showRun = (r: Run) =>
      `${r.worker} attempt ${r.handled.attempt} ${r.handled.source} due ${t(r.handled.dueAt ?? NaN)} ` +
      `fired ${t(r.handled.firedAt)} started ${t(r.handled.localNow)} ` +
      (r.completed ? `done ${t(r.completed.localNow)}` : 'unfinished');
    const showCall = (c: TaskCall) =>
      `${c.kind} ${t(c.calledAt)}..${t(c.settledAt)} ` +
      (c.failed
        ? 'failed'
        : c.kind === 'cancel'
          ? String(c.cancelled)
          : `delay ${c.delay} -> ${c.dueAt === null ? 'null' : t(c.dueAt)}`);
    const show = (key: string, why: string) =>
      `${key}: ${why}; calls [${ledger.history(key).map(showCall).join(', ')}]; ` +
      `runs [${runsOfKey(key).map(showRun).join(', ')}]`;

    // 1. Every acknowledged task not cancelled ran, in its last scheduled version: a run that
    //    resolved, started no sooner than its final due time, and carrying that due time if it
    //    was a first delivery (a takeover's dueAt: see 2).
    const notRun: string[] = [];
    for (const expectation of expectations.values()) {
      if (!expectation.mustRun) continue;
      const keyRuns = runsOfKey(expectation.key);
      const last = keyRuns.at(-1);
      if (!keyRuns.some((r) => r.completed)) notRun.push(show(expectation.key, 'never ran'));
      else if (last!.handled.localNow < earliestOf(expectation.finalDues))
        notRun.push(show(expectation.key, 'last run started before its final due time'));
      else if (last!.handled.attempt === 1 && !within(last!.handled.dueAt, expectation.finalDues))
        notRun.push(show(expectation.key, 'last run was not of its final version'));
    }
    expect(notRun).toEqual([]);

    // 2. No run started before its due time. On the machine's one clock (strict), and on the
    //    module's estimate of Redis' clock (firedAt, within its tolerance). Every delivery,
    //    retries and takeovers included, carries a due time the task was given.
    const early: string[] = [];
    for (const run of runs) {
      const { key, dueAt, firedAt, localNow } = run.handled;
      const expectation = expectations.get(key);
      if (!expectation) early.push(`${key}: ran but was never scheduled: ${showRun(run)}`);
      else if (dueAt === undefined || localNow < dueAt)
        early.push(show(key, `started before its dueAt: ${showRun(run)}`));
      else if (firedAt < dueAt - CLOCK_ESTIMATE_TOLERANCE_MS)
        early.push(show(key, `fired before its dueAt: ${showRun(run)}`));
      else if (localNow < earliestOf(expectation.dues))
        early.push(show(key, `started before it was first due: ${showRun(run)}`));
      else if (!within(dueAt, expectation.dues))
        early.push(show(key, `ran with a due time it was never given: ${showRun(run)}`));
    }
    expect(early).toEqual([]);

    // 3. Nothing runs after cancel returned true. Such a cancel found the task pending, so a
    //    run of it can only be one claimed before the cancel and then taken over after a fault.
    const afterCancel: string[] = [];
    for (const expectation of expectations.values()) {
      const { cancelledAt } = expectation;
      if (cancelledAt === undefined) continue;
      for (const run of runsOfKey(expectation.key)) {
        const claimedBefore = run.handled.localNow - CLAIM_TO_REPORT_MS <= cancelledAt;
        if (!claimedBefore || !interruptedBy(run)) {
          afterCancel.push(
            show(expectation.key, `ran after cancel returned true: ${showRun(run)}`),
          );
        }
      }
    }
    expect(afterCancel).toEqual([]);

    // 4. A task runs again only when a fault struck while its previous run held it (between
    //    claim and acknowledgement): its worker was killed, or a connection fault overlapped the
    //    hold. The next run is then a takeover — source recovery, a later attempt — and comes
    //    after that fault and no sooner than the held lease could have run out. The one other
    //    cause: a schedule call that spanned a connection fault, re-sent by ioredis after its
    //    first write had been claimed; the re-sent schedule replaces the running task, which
    //    starts over at attempt 1 with a later due time.
    const unexplained: string[] = [];
    for (const [key, keyRuns] of runsByKey) {
      const rewritable = expectations.get(key)?.mayHaveBeenRewritten === true;
      keyRuns.slice(1).forEach((again, i) => {
        const previous = keyRuns[i];
        const fault = interruptedBy(previous);
        const takenOver =
          fault !== undefined &&
          fault.startedAt <= again.handled.localNow &&
          again.handled.source === 'recovery' &&
          again.handled.attempt > previous.handled.attempt &&
          again.handled.localNow >= previous.handled.localNow - CLAIM_TO_REPORT_MS + LEASE_MS;
        const rewritten =
          rewritable &&
          again.handled.attempt === 1 &&
          again.handled.dueAt! > previous.handled.dueAt!;
        if (!takenOver && !rewritten) {
          unexplained.push(
            show(key, `ran again (${showRun(again)}) after ${showRun(previous)}`) +
              (fault ? `; fault ${fault.kind} at ${t(fault.startedAt)}` : '; no fault held it'),
          );
        }
      });
    }
    expect(unexplained).toEqual([]);

    // 5. The store ends empty: no pending, active or dead entries, and no task data left under
    //    the prefix (a record no index points to would be invisible to stats()). Plain strings
    //    (the claim counter, the index floor) may stay, the claims set holding nothing but the
    //    member that keeps it a skiplist (score 0), and the directory of the instances still
    //    running.
    await expect(webTier.tasks.stats()).resolves.toMatchObject({
      pending: 0,
      overdue: 0,
      active: 0,
      dead: 0,
    });
    const leftovers = await onNode(suite.redis, async (admin) => {
      const found: string[] = [];
      const directory = `${prefix}:{instances}:`;
      for await (const keys of admin.scanStream({ match: `${prefix}:*`, count: 1_000 })) {
        for (const key of keys as string[]) {
          if (key.startsWith(directory)) continue;
          const type = await admin.type(key);
          const emptyClaims = key.endsWith(':claims') && (await admin.zcount(key, 1, '+inf')) === 0;
          if (type !== 'string' && !emptyClaims) found.push(`${key} (${type})`);
        }
      }
      return found;
    });
    expect(leftovers).toEqual([]);

    // The chaos did strike: deliveries taken over after the kill, connections killed on every
    // app (three workers and the web tier; the workers' subscribers), calls of every kind.
    const laterAttempts = runs.filter((r) => r.handled.attempt > 1).length;
    expect(laterAttempts).toBeGreaterThan(0);
    // The survivors told the operator of each takeover (a later attempt is one here: no handler
    // throws), and none ran out of attempts.
    const sweepLines = workers.flatMap((w) => [
      ...w.log.matchAll(
        /Took over (\d+) task\(s\) whose lease ran out; (\d+) had no attempts left/g,
      ),
    ]);
    const takenOver = sweepLines.reduce((sum, line) => sum + Number(line[1]), 0);
    expect(takenOver).toBeGreaterThanOrEqual(laterAttempts);
    expect(sweepLines.filter((line) => line[2] !== '0')).toEqual([]);
    expect(killedClients.normal).toBeGreaterThanOrEqual(4);
    expect(killedClients.pubsub).toBeGreaterThanOrEqual(3);
    const calls = ledger.keys.flatMap((key) => ledger.history(key));
    expect(calls.some((c) => c.kind === 'cancel' && c.cancelled)).toBe(true);
    expect(calls.some((c) => c.kind === 'reschedule' && c.dueAt !== null)).toBe(true);
  });
});
