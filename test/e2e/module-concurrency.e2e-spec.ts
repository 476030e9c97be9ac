/**
 * The module's `concurrency`: never more deliveries at once than it allows,
 * and claims sized to match: an idle instance claims all of its room in one
 * call, a busy one half of `concurrency` at most, so that one batch can be
 * claimed while another starts.
 */
import { Injectable } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { ClaimResult, TaskStore } from '../../lib/store/task-store';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { waitFor } from '../support/wait-for';

const CONCURRENCY = 6;
const TASKS = 20;

/** One call of the claim script: what it asked for, how many handlers were running then, what it got. */
interface ObservedClaim {
  want: number;
  runningAtCall: number;
  claimed: number;
}

describe('module concurrency', () => {
  const suite = ProcessSuite.use();

  afterEach(() => jest.restoreAllMocks());

  it(`runs at most ${CONCURRENCY} at once; an idle instance claims all its room in one call, a busy one half`, async () => {
    const prefix = freshPrefix();
    const started = new EventCollector();
    const releases: Array<() => void> = [];
    let running = 0;
    let maxRunning = 0;

    @Injectable()
    class Handlers {
      @OnKeyExpired('job:*')
      async job(event: ExpiredKeyEvent): Promise<void> {
        maxRunning = Math.max(maxRunning, ++running);
        const released = new Promise<void>((resolve) => releases.push(resolve));
        started.push(event);
        await released;
        running--;
      }
    }

    const claims: ObservedClaim[] = [];
    const claim = TaskStore.prototype.claim;
    jest.spyOn(TaskStore.prototype, 'claim').mockImplementation(async function observed(
      this: TaskStore,
      ...args: Parameters<TaskStore['claim']>
    ): Promise<ClaimResult> {
      const runningAtCall = running;
      const result = await claim.apply(this, args);
      claims.push({ want: args[1], runningAtCall, claimed: result.tasks.length });
      return result;
    });

    const { tasks } = await suite.startApp(() =>
      startApp(
        {
          connection: suite.redis.url,
          prefix,
          keyspaceEvents: false,
          concurrency: CONCURRENCY,
          sweepIntervalMs: 600_000,
        },
        [Handlers],
      ),
    );
    await tasks.scheduleMany(
      Array.from({ length: TASKS }, (_, n) => ({ key: `job:${n}`, delay: 0 })),
    );

    // Idle: the first claim that finds the tasks takes the whole room at once.
    await started.count(CONCURRENCY);
    const first = claims.find((c) => c.claimed > 0);
    expect(first).toEqual({ want: CONCURRENCY, runningAtCall: 0, claimed: CONCURRENCY });

    // Free all slots but one at a time: the claims that refill them run beside
    // one delivery, with room for more than half of `concurrency`.
    while (started.events.length < TASKS) {
      const before = started.events.length;
      releases.splice(0, CONCURRENCY - 1).forEach((release) => release());
      await started.count(Math.min(TASKS, before + CONCURRENCY - 1));
    }
    releases.splice(0).forEach((release) => release());
    await waitFor(
      async () => (await tasks.stats()).active === 0,
      5_000,
      'the last acknowledgements',
    );

    expect(maxRunning).toBe(CONCURRENCY);
    expect(new Set(started.events.map((e) => e.key)).size).toBe(TASKS);
    expect(started.events).toHaveLength(TASKS);
    const busy = claims.filter((c) => c.runningAtCall > 0 && c.claimed > 0);
    expect(busy.some((c) => CONCURRENCY - c.runningAtCall > CONCURRENCY / 2)).toBe(true);
    for (const c of busy) expect(c.want).toBeLessThanOrEqual(CONCURRENCY / 2);
  });
});
