/**
 * Per-handler concurrency (`@OnKeyExpired(pattern, { concurrency })`): a full
 * handler holds back only its own tasks, those are claimed as room frees
 * (the claim cursor never hides them), and the limit holds on each instance.
 */
import { Injectable } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { HandlerReport, waitForAll, WorkerProcess, WorkerReport } from '../support/worker-process';
import { waitFor } from '../support/wait-for';

/** Held emails: more than one claim inspects (CLAIM_SCAN_LIMIT), so the walk must go past them. */
const HELD_EMAILS = 1_100;
/** Due tasks no handler matches, among the held ones: what the claim cursor skips. */
const UNHANDLED = 200;
const ORDERS = 10;

/** Lateness (firedAt − dueAt) of each event, in ms. */
const lateness = (events: ExpiredKeyEvent[]) => events.map((e) => e.firedAt - (e.dueAt ?? 0));

/** Most `handled` reports not yet followed by their `completed`, over one worker's reports in order. */
function maxInFlight(reports: readonly HandlerReport[]): number {
  let running = 0;
  let max = 0;
  for (const report of reports) {
    running += report.type === 'handled' ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}

describe('per-handler concurrency', () => {
  const suite = ProcessSuite.use();

  it('a saturated slow handler leaves another on time, and its held tasks all run as room frees', async () => {
    const prefix = freshPrefix();
    const emails = new EventCollector();
    const orders = new EventCollector();
    let releaseEmails!: () => void;
    const emailsReleased = new Promise<void>((resolve) => (releaseEmails = resolve));
    let running = 0;
    let maxRunning = 0;

    @Injectable()
    class Handlers {
      @OnKeyExpired('email:*', { concurrency: 2 })
      async email(event: ExpiredKeyEvent): Promise<void> {
        emails.push(event);
        maxRunning = Math.max(maxRunning, ++running);
        await emailsReleased;
        running--;
      }

      @OnKeyExpired('order:*')
      order(event: ExpiredKeyEvent): void {
        orders.push(event);
      }
    }

    // No sweep during the test: held tasks must be found by the claims that room frees, not by a patrol.
    const { tasks } = await suite.startApp(() =>
      startApp(
        { connection: suite.redis.url, prefix, keyspaceEvents: false, sweepIntervalMs: 600_000 },
        [Handlers],
      ),
    );
    const scheduleOrders = (round: string) =>
      tasks.scheduleMany(
        Array.from({ length: ORDERS }, (_, n) => ({
          key: `order:${round}:${n}`,
          delay: 300 + n * 40,
        })),
      );

    // Baseline: the orders alone.
    await scheduleOrders('alone');
    await orders.count(ORDERS);
    const alone = lateness(orders.events);

    // The emails saturate their handler; a crowd nobody handles sits among them.
    await tasks.scheduleMany([
      ...Array.from({ length: HELD_EMAILS }, (_, n) => ({ key: `email:${n}`, delay: 0 })),
      ...Array.from({ length: UNHANDLED }, (_, n) => ({ key: `fax:${n}`, delay: 0 })),
    ]);
    await emails.count(2);
    await scheduleOrders('beside');
    await orders.count(ORDERS * 2);
    const beside = lateness(orders.events.slice(ORDERS));
    expect(emails.events).toHaveLength(2);

    // On a loaded machine a few ms either way is noise; a claim held up behind the emails is not.
    expect(Math.max(...beside)).toBeLessThan(Math.max(...alone) + 50);
    expect(beside.every((ms) => ms >= 0)).toBe(true);

    // Room frees: every held email runs, two at a time at most, none lost behind the cursor.
    releaseEmails();
    await emails.count(HELD_EMAILS, 30_000);
    expect(new Set(emails.events.map((e) => e.key)).size).toBe(HELD_EMAILS);
    expect(maxRunning).toBe(2);
    // The last two have started, not yet finished: wait for their acknowledgements.
    await waitFor(async () => (await tasks.stats()).active === 0, 5_000, 'the last emails acked');
    const left = await tasks.list({ pattern: 'email:*' });
    expect(left.items).toEqual([]);
    await expect(tasks.stats()).resolves.toMatchObject({ pending: UNHANDLED, active: 0 });
  });

  it('a task matching a full handler waits even if another of its handlers has room', async () => {
    const prefix = freshPrefix();
    const slow = new EventCollector();
    const audit = new EventCollector();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));

    @Injectable()
    class Handlers {
      @OnKeyExpired('report:*', { concurrency: 1 })
      async render(event: ExpiredKeyEvent): Promise<void> {
        slow.push(event);
        await released;
      }

      @OnKeyExpired('*')
      audit(event: ExpiredKeyEvent): void {
        audit.push(event);
      }
    }

    const { tasks } = await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false }, [Handlers]),
    );
    await tasks.schedule('report:1', undefined, { delay: 0 });
    await slow.count(1);
    await tasks.schedule('report:2', undefined, { delay: 0 });
    await tasks.schedule('other:1', undefined, { delay: 0 });
    await audit.forKey('other:1');
    // report:2 needs the full render handler: not claimed, so audit has not seen it either.
    await expect(tasks.get('report:2')).resolves.toMatchObject({ state: 'pending', attempt: 0 });
    expect(audit.events.map((e) => e.key).sort()).toEqual(['other:1', 'report:1']);

    release();
    await slow.forKey('report:2');
    await audit.forKey('report:2');
  });

  it('never exceeds the limit on either of two instances', async () => {
    const prefix = freshPrefix();
    const limit = 3;
    const count = 60;
    const workers = suite.keep(
      await WorkerProcess.startMany(2, {
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'job:*',
        mode: 'slow:30-120',
        handlerOptions: { concurrency: limit },
      }),
    );
    const web = await suite.webTier(prefix);
    await web.tasks.scheduleMany(
      Array.from({ length: count }, (_, n) => ({ key: `job:${n}`, delay: 0 })),
    );
    const completed = (reports: WorkerReport[]) =>
      reports.filter((r) => r.type === 'completed').length;
    await waitForAll(workers, (reports) => completed(reports) >= count, 30_000, 'every job');

    const perWorker = workers.map((worker) =>
      maxInFlight(
        worker.events.filter(
          (r): r is HandlerReport => r.type === 'handled' || r.type === 'completed',
        ),
      ),
    );
    expect(Math.max(...perWorker)).toBe(limit);
    const keys = workers.flatMap((w) => w.handled.map((r) => r.key));
    expect(new Set(keys).size).toBe(count);
    expect(keys).toHaveLength(count);
  });
});
