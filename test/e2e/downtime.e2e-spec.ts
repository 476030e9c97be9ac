/**
 * Tasks that come due while no instance can handle them are not lost: the
 * first handling instance to start finds them in the durable index (the
 * recovery sweep) and delivers each once, as a first attempt.
 */
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { WorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait-for';
import { storeIsEmpty } from '../support/empty-store';

describe('tasks due while no handling instance runs', () => {
  const suite = ProcessSuite.use();
  let webTier: FixtureApp;

  it('fire when the first handling instance starts (source recovery, attempt 1)', async () => {
    const prefix = freshPrefix();
    // Only schedules: no handlers, so it never claims (DESIGN: "Who claims").
    webTier = await suite.webTier(prefix);
    const refs = await webTier.tasks.scheduleMany(
      Array.from({ length: 20 }, (_, n) => ({
        key: `invoice:${n}`,
        payload: { n },
        delay: 100 + n * 10,
      })),
    );
    // Everything is due and still waiting: nobody took it.
    await waitFor(
      async () => (await webTier.tasks.stats()).overdue === refs.length,
      5_000,
      'all tasks overdue',
    );
    await expect(webTier.tasks.stats()).resolves.toMatchObject({
      pending: refs.length,
      overdue: refs.length,
      active: 0,
      dead: 0,
    });
    await expect(webTier.tasks.get('invoice:0')).resolves.toMatchObject({
      state: 'pending',
      attempt: 0,
    });

    // A later task that is still pending when the handler starts goes by the timer, on time.
    const onTime = await webTier.tasks.schedule('invoice:later', { n: -1 }, { delay: 3_000 });

    const collector = new EventCollector<{ n: number }>();
    const startedAt = Date.now();
    await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false }, [
        collectingHandler('invoice:*', collector),
      ]),
    );
    await collector.count(refs.length, 10_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; index: ${JSON.stringify(await webTier.tasks.stats())}`);
    });
    const recoveredWithin = Date.now() - startedAt;

    const overdue = collector.events.filter((e) => e.key !== 'invoice:later');
    expect(overdue.map((e) => e.key).sort()).toEqual(refs.map((r) => r.key).sort());
    for (const event of overdue) {
      const ref = refs.find((r) => r.key === event.key)!;
      expect(event).toMatchObject({
        scheduled: true,
        source: 'recovery',
        attempt: 1,
        dueAt: ref.dueAt,
        payload: { n: Number(event.key.split(':')[1]) },
      });
      expect(event.firedAt).toBeGreaterThan(ref.dueAt);
    }
    // Delivered as the instance starts (its start-up sweep); generous, as Nest starts slowly on a busy machine.
    expect(recoveredWithin).toBeLessThan(5_000);

    const later = await collector.forKey('invoice:later', 5_000);
    expect(later).toMatchObject({ source: 'timer', attempt: 1, dueAt: onTime.dueAt });
    expect(later.firedAt - onTime.dueAt).toBeLessThan(500);

    await waitFor(async () => (await webTier.tasks.stats()).pending === 0, 5_000, 'index drained');
    expect(collector.events).toHaveLength(refs.length + 1);
  });

  it('fire when a handling instance starts again after the only one crashed', async () => {
    const prefix = freshPrefix();
    webTier = await suite.webTier(prefix);
    const options = { redisUrl: suite.redis.url, prefix, pattern: 'reminder:*' };
    const first = await WorkerProcess.start({ ...options, name: 'before-crash' });
    suite.keep(first);

    // Proves the first worker was really handling: it delivers a task due while it runs.
    await webTier.tasks.schedule('reminder:warmup', null, { delay: 0 });
    await first.waitFor((r) => r.type === 'completed' && r.key === 'reminder:warmup');
    // The report precedes the acknowledgement; a kill in between would leave it to the lease.
    await waitFor(
      async () => (await webTier.tasks.get('reminder:warmup')) === null,
      5_000,
      'warm-up task acknowledged',
    );

    await first.kill();
    const refs = await webTier.tasks.scheduleMany(
      Array.from({ length: 10 }, (_, n) => ({ key: `reminder:${n}`, payload: n, delay: 50 })),
    );
    await waitFor(
      async () => (await webTier.tasks.stats()).overdue === refs.length,
      5_000,
      'all tasks overdue',
    );

    const second = await WorkerProcess.start({ ...options, name: 'after-crash' });
    suite.keep(second);
    await second.waitUntil(
      (reports) => reports.filter((r) => r.type === 'completed').length >= refs.length,
      10_000,
      `${refs.length} completed deliveries`,
    );
    const delivered = second.handled;
    expect(delivered.map((r) => r.key).sort()).toEqual(refs.map((r) => r.key).sort());
    expect(delivered.every((r) => r.source === 'recovery' && r.attempt === 1)).toBe(true);
    expect(first.handled.map((r) => r.key)).toEqual(['reminder:warmup']);
    await waitFor(() => storeIsEmpty(webTier.tasks), 5_000, 'every delivery acknowledged').catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await webTier.tasks.stats())}`);
      },
    );
  });
});
