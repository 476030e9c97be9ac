/**
 * Several instances handling the same pattern share the work: the atomic claim
 * gives each scheduled task to exactly one of them.
 */
import { FixtureApp, freshPrefix } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { isHandled, waitForAll, WorkerProcess, WorkerReport } from '../support/worker-process';
import { waitFor } from '../support/wait-for';
import { storeIsEmpty } from '../support/empty-store';

const TASKS = 1_000;

describe('many instances, one delivery per task', () => {
  const suite = ProcessSuite.use();
  let webTier: FixtureApp;
  let workers: WorkerProcess[] = [];

  it(`three workers handle ${TASKS} tasks due within one second exactly once in total`, async () => {
    const prefix = freshPrefix();
    workers = suite.keep(
      await WorkerProcess.startMany(3, {
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'ticket:*',
        name: 'handler',
      }),
    );
    webTier = await suite.webTier(prefix);

    // Due from 1 s to 2 s from now: the workers are all armed before the first one is due.
    const refs = await webTier.tasks.scheduleMany(
      Array.from({ length: TASKS }, (_, n) => ({
        key: `ticket:${n}`,
        payload: { n },
        delay: 1_000 + n,
      })),
    );
    expect(refs).toHaveLength(TASKS);

    const completed = (reports: WorkerReport[]) =>
      reports.filter((r) => r.type === 'completed').length;
    await waitForAll(
      workers,
      (reports) => completed(reports) >= TASKS,
      20_000,
      `${TASKS} completed deliveries`,
    );
    // Every delivery acknowledged: nothing pending, in flight or dead.
    await waitFor(() => storeIsEmpty(webTier.tasks), 5_000, 'index empty');
    // A duplicate would come from a lease takeover or a lost race; give the sweep
    // (every 1 s) a couple of turns to produce one.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const deliveries = workers.flatMap((w) => w.events.filter(isHandled));
    const keys = deliveries.map((d) => d.key).sort();
    const expected = refs.map((r) => r.key).sort();
    const duplicates = keys.filter((key, i) => i > 0 && keys[i - 1] === key);
    expect(duplicates).toEqual([]);
    expect(keys).toEqual(expected);
    expect(deliveries.every((d) => d.attempt === 1)).toBe(true);
  });
});
