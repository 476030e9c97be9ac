/**
 * `app.close()` stops claiming and waits for the handlers in flight: a handler
 * that finishes in time has its task acknowledged before close resolves; one
 * that outlasts `shutdownTimeoutMs` is left to its lease and re-delivered by
 * another instance — never lost.
 */
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { EMPTY_STATS, storeIsEmpty } from '../support/empty-store';

/** A promise the test resolves by hand, to hold a handler in flight for exactly as long as it wants. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('graceful shutdown', () => {
  let redis: RedisServer;
  let apps: FixtureApp[] = [];
  const gates: Array<() => void> = [];

  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());
  afterEach(async () => {
    // Let any handler still held finish, so nothing dangles past the test.
    gates.splice(0).forEach((open) => open());
    await Promise.allSettled(apps.map((app) => app.close()));
    apps = [];
  });

  async function app(
    prefix: string,
    providers: Parameters<typeof startApp>[1],
    options: { shutdownTimeoutMs?: number; leaseMs?: number } = {},
  ): Promise<FixtureApp> {
    const started = await startApp(
      { connection: redis.url, prefix, keyspaceEvents: false, ...options },
      providers,
    );
    apps.push(started);
    return started;
  }

  it('close() waits for an in-flight handler, which is acknowledged and not delivered again', async () => {
    const prefix = freshPrefix();
    const held = gate();
    gates.push(held.open);
    const first = new EventCollector();
    let handlerResolvedAt = 0;
    const closing = await app(prefix, [
      collectingHandler('export:*', first, async () => {
        await held.opened;
        handlerResolvedAt = Date.now();
      }),
    ]);

    await closing.tasks.schedule('export:1', { rows: 10 }, { delay: 0 });
    await first.forKey('export:1');

    let closedAt = 0;
    const closed = closing.close().then(() => (closedAt = Date.now()));
    // Bounded: close must still be waiting while the handler is held.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(closedAt).toBe(0);

    held.open();
    await closed;
    apps = apps.filter((a) => a !== closing);
    expect(handlerResolvedAt).toBeGreaterThan(0);
    expect(closedAt).toBeGreaterThanOrEqual(handlerResolvedAt);

    // Acknowledged before close resolved: the task is gone, a new instance gets nothing.
    const second = new EventCollector();
    const next = await app(prefix, [collectingHandler('export:*', second)]);
    await expect(next.tasks.get('export:1')).resolves.toBeNull();
    await expect(next.tasks.stats()).resolves.toEqual(EMPTY_STATS);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // over a sweep interval
    expect(second.events).toEqual([]);
    expect(first.events).toHaveLength(1);
  });

  it('close() gives up after shutdownTimeoutMs and the task is re-delivered after its lease', async () => {
    const prefix = freshPrefix();
    const shutdownTimeoutMs = 1_000;
    const leaseMs = 2_000;
    const stuck = gate();
    gates.push(stuck.open);
    const first = new EventCollector();
    const closing = await app(prefix, [collectingHandler('export:*', first, () => stuck.opened)], {
      shutdownTimeoutMs,
      leaseMs,
    });

    await closing.tasks.schedule('export:2', { rows: 20 }, { delay: 0 });
    await first.forKey('export:2');

    const closeStarted = Date.now();
    await closing.close();
    const closedAt = Date.now();
    apps = apps.filter((a) => a !== closing);
    const closeMs = closedAt - closeStarted;
    expect(closeMs).toBeGreaterThanOrEqual(shutdownTimeoutMs - 50);
    expect(closeMs).toBeLessThan(shutdownTimeoutMs + 3_000);

    const second = new EventCollector();
    const next = await app(prefix, [collectingHandler('export:*', second)], { leaseMs });
    const redelivered = await second.forKey('export:2', leaseMs + 8_000);
    expect(redelivered).toMatchObject({
      attempt: 2,
      source: 'recovery',
      payload: { rows: 20 },
    });
    // Renewals stopped when close gave up, at most leaseMs/3 after the last one:
    // the lease lasted at least 2/3 of leaseMs past that point.
    const redeliveredAfterClose = redelivered.firedAt - closedAt;
    expect(redeliveredAfterClose).toBeGreaterThanOrEqual(leaseMs * (2 / 3) - 100);
    await waitFor(
      () => storeIsEmpty(next.tasks),
      5_000,
      'task acknowledged by the second instance',
    );
    expect(first.events).toHaveLength(1);
  });
});
