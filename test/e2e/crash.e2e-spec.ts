/**
 * An instance that dies mid-handler (SIGKILL: no shutdown hook runs) stops
 * renewing its lease; once the lease runs out another instance takes the task
 * over as a new attempt. A live instance, however slow, keeps its lease.
 */
import { FixtureApp, freshPrefix } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { HandlerReport, isHandled, WorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait-for';

const LEASE_MS = 2_000;

describe('an instance that crashes mid-handler', () => {
  const suite = ProcessSuite.use();
  let webTier: FixtureApp;

  async function startWorker(
    prefix: string,
    name: string,
    mode: 'hang' | 'record',
    leaseMs = LEASE_MS,
  ): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start({
      redisUrl: suite.redis.url,
      prefix,
      pattern: 'payment:*',
      mode,
      name,
      options: { leaseMs, maxAttempts: 2 },
    });
    suite.keep(worker);
    return worker;
  }

  it('is taken over after its lease ran out: attempt 2, source recovery, never sooner', async () => {
    const prefix = freshPrefix();
    webTier = await suite.webTier(prefix);
    const doomed = await startWorker(prefix, 'doomed', 'hang');

    const ref = await webTier.tasks.schedule('payment:7', { amount: 12 }, { delay: 0 });
    const first = (await doomed.waitFor(isHandled, 10_000, 'first delivery')) as HandlerReport;
    expect(first).toMatchObject({ key: 'payment:7', attempt: 1, dueAt: ref.dueAt });

    // A live handler outlasting its lease keeps it (renewals): the survivor takes nothing.
    const survivor = await startWorker(prefix, 'survivor', 'record');
    const heldUntil = first.receivedAt + LEASE_MS * 1.5;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, heldUntil - Date.now())));
    expect(survivor.handled).toEqual([]);
    await expect(webTier.tasks.get('payment:7')).resolves.toMatchObject({
      state: 'active',
      attempt: 1,
    });

    await doomed.kill();
    const killedAt = Date.now();
    const second = (await survivor.waitFor(
      isHandled,
      LEASE_MS + 10_000,
      'takeover',
    )) as HandlerReport;
    // The takeover reports the due time the task was scheduled for, not its lease expiry.
    expect(second).toMatchObject({
      key: 'payment:7',
      attempt: 2,
      source: 'recovery',
      scheduled: true,
      dueAt: ref.dueAt,
    });
    // The last renewal came at most leaseMs/3 before the kill, so the lease outlived
    // the kill by at least 2/3 of it; DESIGN bounds the takeover by leaseMs plus a sweep
    // interval (1 s). Generous on the upper side for a loaded machine.
    const takeoverMs = second.receivedAt - killedAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(LEASE_MS * (2 / 3) - 100);
    expect(takeoverMs).toBeLessThan(LEASE_MS + 1_000 + 4_000);

    // The survivor's delivery is acknowledged; nothing is left, nothing is re-run.
    await waitFor(
      async () => (await webTier.tasks.get('payment:7')) === null,
      5_000,
      'task acknowledged',
    );
    await expect(webTier.tasks.stats()).resolves.toMatchObject({
      pending: 0,
      overdue: 0,
      active: 0,
      dead: 0,
    });
    expect(survivor.handled).toHaveLength(1);
  });

  it('a task whose every holder is killed is dead-lettered after maxAttempts, not looped', async () => {
    const prefix = freshPrefix();
    const leaseMs = 1_000;
    webTier = await suite.webTier(prefix);
    const firstHolder = await startWorker(prefix, 'holder1', 'hang', leaseMs);

    await webTier.tasks.schedule('payment:poison', { amount: 1 }, { delay: 0 });
    await firstHolder.waitFor(isHandled, 10_000, 'first delivery');
    const secondHolder = await startWorker(prefix, 'holder2', 'hang', leaseMs);
    await firstHolder.kill();
    const second = (await secondHolder.waitFor(isHandled, 10_000, 'takeover')) as HandlerReport;
    expect(second).toMatchObject({ key: 'payment:poison', attempt: 2, source: 'recovery' });

    // Only an instance with handlers sweeps; this one must find the spent task, not run it.
    const bystander = await startWorker(prefix, 'bystander', 'record', leaseMs);
    await secondHolder.kill();
    await waitFor(
      async () => (await webTier.tasks.deadLetters()).items.length === 1,
      10_000,
      'dead letter',
    );
    const { items } = await webTier.tasks.deadLetters();
    expect(items).toEqual([
      {
        key: 'payment:poison',
        payload: { amount: 1 },
        attempt: 2,
        error: expect.stringContaining('lease'),
        failedAt: expect.any(Number),
      },
    ]);
    await expect(webTier.tasks.get('payment:poison')).resolves.toBeNull();
    expect(bystander.handled).toEqual([]);
  });
});
