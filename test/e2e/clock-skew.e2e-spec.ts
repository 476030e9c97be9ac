/**
 * Due times are judged by the Redis server's clock, so an instance whose own
 * clock is off by seconds fires neither early nor late. The worker's wall
 * clock is skewed (`clock-skew.ts`); the parent's arrival time of each report
 * is on the machine's true clock, the same one Redis reads.
 */
import { FixtureApp, freshPrefix } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { HandlerReport, WorkerProcess } from '../support/worker-process';

const TASKS = 20;
/** Redis' TIME and the parent's Date.now() read the same clock; allow for rounding. */
const CLOCK_TOLERANCE_MS = 5;

describe('instances with skewed clocks', () => {
  const suite = ProcessSuite.use();
  let webTier: FixtureApp;

  it.each([
    ['ahead', 10_000],
    ['behind', -10_000],
  ])(
    'a worker whose clock is 10 s %s fires nothing early and everything on time',
    async (_label, clockSkewMs) => {
      const prefix = freshPrefix();
      const worker = await WorkerProcess.start({
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'coupon:*',
        clockSkewMs,
        name: `skewed${clockSkewMs}`,
      });
      suite.keep(worker);
      webTier = await suite.webTier(prefix);

      const refs = await webTier.tasks.scheduleMany(
        Array.from({ length: TASKS }, (_, n) => ({
          key: `coupon:${n}`,
          payload: { n },
          delay: 300 + n * 100,
        })),
      );
      await worker.waitUntil(
        (reports) => reports.filter((r) => r.type === 'handled').length >= TASKS,
        15_000,
        `${TASKS} deliveries`,
      );
      const deliveries = worker.handled;

      // The skew really applied: the worker's Date.now() is 10 s off the parent's.
      for (const d of deliveries) {
        expect(Math.abs(d.localNow - d.receivedAt - clockSkewMs)).toBeLessThan(1_000);
      }

      expect(deliveries.map((d) => d.key).sort()).toEqual(refs.map((r) => r.key).sort());
      const lateness = deliveries.map((d: HandlerReport) => {
        const ref = refs.find((r) => r.key === d.key)!;
        expect(d.dueAt).toBe(ref.dueAt);
        return { key: d.key, received: d.receivedAt - ref.dueAt, fired: d.firedAt - ref.dueAt };
      });
      // Never early, by the true clock and by the event's own (Redis) timestamp.
      expect(lateness.filter((l) => l.received < -CLOCK_TOLERANCE_MS)).toEqual([]);
      expect(lateness.filter((l) => l.fired < -CLOCK_TOLERANCE_MS)).toEqual([]);
      // And on time. A clock 10 s behind that were trusted would leave every task to
      // the recovery sweep (every 1 s): a median lateness near half a second.
      expect(lateness.filter((l) => l.received > 1_000)).toEqual([]);
      const median = lateness.map((l) => l.received).sort((a, b) => a - b)[TASKS >> 1];
      expect(median).toBeLessThan(200);
      expect(deliveries.every((d) => d.attempt === 1)).toBe(true);
    },
  );
});
