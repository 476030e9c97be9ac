/**
 * Stopping deliveries from outside their handlers: `cancel(key, { abort: true })`
 * from another process (the running instance aborts the signal, the task is
 * gone for good) and `app.close()` giving up on a stuck handler.
 */
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { DeliveryAbortedError, ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { EMPTY_STATS, storeIsEmpty } from '../support/empty-store';
import { collectingHandler, EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { waitFor } from '../support/wait-for';
import { WorkerProcess } from '../support/worker-process';

const LEASE_MS = 1_000;
const SWEEP_MS = 200;

describe('aborting deliveries', () => {
  const suite = ProcessSuite.use();
  const afterThisTest: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.allSettled(afterThisTest.splice(0).map((close) => close()));
  });

  it('cancel(key, { abort: true }) from another process stops the running handler for good', async () => {
    const prefix = freshPrefix();
    const worker = suite.keep(
      await WorkerProcess.start({
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'upload:*',
        mode: 'signal',
        options: { leaseMs: LEASE_MS, sweepIntervalMs: SWEEP_MS },
      }),
    );
    const web = await suite.webTier(prefix);
    await web.tasks.schedule('upload:1', { file: 'a.bin' }, { delay: 0 });
    await worker.waitFor((r) => r.type === 'handled' && r.key === 'upload:1');

    // Without abort an in-flight task is not cancelled, and its handler goes on.
    await expect(web.tasks.cancel('upload:1')).resolves.toBe(false);
    await expect(web.tasks.get('upload:1')).resolves.toMatchObject({ state: 'active' });

    const cancelledAt = Date.now();
    await expect(web.tasks.cancel('upload:1', { abort: true })).resolves.toBe(true);
    const aborted = await worker.waitFor((r) => r.type === 'aborted', 5_000, 'the abort');
    expect(aborted).toMatchObject({
      key: 'upload:1',
      reason: 'DeliveryAbortedError',
      origin: 'cancel',
    });
    expect(aborted.receivedAt - cancelledAt).toBeLessThan(1_000);
    await expect(web.tasks.get('upload:1')).resolves.toBeNull();

    // No retry and no takeover: well past the lease and several sweeps, still one delivery.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 5 * SWEEP_MS));
    expect(worker.handled).toHaveLength(1);
    await expect(web.tasks.stats()).resolves.toEqual(EMPTY_STATS);
    await expect(web.tasks.cancel('upload:1', { abort: true })).resolves.toBe(false);
  });

  it('cancel(key, { abort: true }) cancels a pending task and is false for an unknown one', async () => {
    const prefix = freshPrefix();
    const web = await suite.webTier(prefix);
    await web.tasks.schedule('upload:2', undefined, { delay: 60_000 });
    await expect(web.tasks.cancel('upload:2', { abort: true })).resolves.toBe(true);
    await expect(web.tasks.get('upload:2')).resolves.toBeNull();
    await expect(web.tasks.cancel('upload:3', { abort: true })).resolves.toBe(false);
    await expect(web.tasks.stats()).resolves.toEqual(EMPTY_STATS);
  });

  it('app.close() aborts a stuck handler after shutdownTimeoutMs; the task is re-delivered after its lease', async () => {
    const prefix = freshPrefix();
    const shutdownTimeoutMs = 500;
    const stuck = new EventCollector();
    const sessions = new EventCollector();

    @Injectable()
    class Stuck {
      @OnKeyExpired('export:*')
      run(event: ExpiredKeyEvent): Promise<void> {
        stuck.push(event);
        return new Promise(() => undefined); // ignores its signal
      }

      @OnKeyExpired('session:*')
      end(event: ExpiredKeyEvent): Promise<void> {
        sessions.push(event);
        return new Promise(() => undefined);
      }
    }
    const first = await startApp(
      { connection: suite.redis.url, prefix, shutdownTimeoutMs, leaseMs: LEASE_MS },
      [Stuck],
    );
    let closing: Promise<void> | undefined;
    // Closed by the test itself; if it fails first, still closed (once) before the next one.
    afterThisTest.push(() => closing ?? first.close());
    await first.tasks.schedule('export:1', { rows: 2 }, { delay: 0 });
    const client = new IORedis(suite.redis.url);
    await client.set('session:1', 'x', 'PX', 10).finally(() => client.disconnect());
    const [scheduled, plain] = await Promise.all([
      stuck.forKey('export:1'),
      sessions.forKey('session:1'),
    ]);

    const closeStarted = Date.now();
    await (closing = first.close());
    expect(Date.now() - closeStarted).toBeGreaterThanOrEqual(shutdownTimeoutMs - 50);
    for (const { signal } of [scheduled, plain]) {
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(DeliveryAbortedError);
      expect(signal.reason).toMatchObject({ origin: 'shutdown' });
    }
    expect(first.logs.messages('warn')).toEqual([
      `Shutting down with 2 handler(s) still running after ${shutdownTimeoutMs} ms; their signals are aborted, ` +
        'and their scheduled tasks will be re-delivered after their lease.',
    ]);

    const redelivered = new EventCollector();
    const second = await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false, leaseMs: LEASE_MS }, [
        collectingHandler('export:*', redelivered),
      ]),
    );
    await expect(redelivered.forKey('export:1', 10_000)).resolves.toMatchObject({
      attempt: 2,
      source: 'recovery',
      payload: { rows: 2 },
    });
    expect(stuck.events).toHaveLength(1);
    await waitFor(() => storeIsEmpty(second.tasks), 5_000, 'the re-delivery acknowledged');
  });
});
