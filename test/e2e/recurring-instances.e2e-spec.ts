/**
 * A recurring series across real worker processes, each declaring it with
 * @Recurring at bootstrap: every occurrence runs once on one instance, on its
 * grid; a kill -9 mid-occurrence loses nothing; a full outage gives one
 * catch-up; a redeploy does not move the next occurrence.
 */
import { FixtureApp, freshPrefix } from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import {
  HandlerReport,
  isHandled,
  WorkerMode,
  WorkerModuleOptions,
  WorkerProcess,
} from '../support/worker-process';
import { waitFor } from '../support/wait-for';

const KEY = 'heartbeat';

describe('a recurring series across instances', () => {
  const suite = ProcessSuite.use();

  function startWorkers(
    count: number,
    prefix: string,
    every: number,
    mode: WorkerMode = 'record',
    options: WorkerModuleOptions = {},
    name = 'worker',
  ): Promise<WorkerProcess[]> {
    return WorkerProcess.startMany(count, {
      redisUrl: suite.redis.url,
      prefix,
      pattern: 'unrelated:*',
      mode,
      name,
      options,
      env: { RECURRING: JSON.stringify({ key: KEY, options: { every } }) },
    }).then((workers) => suite.keep(workers));
  }

  const reports = (workers: WorkerProcess[], type: 'handled' | 'completed') =>
    workers
      .flatMap((worker) => worker.events)
      .filter((report): report is HandlerReport => report.type === type && report.key === KEY)
      .sort((a, b) => a.dueAt! - b.dueAt! || a.attempt - b.attempt);

  it('three instances, every 200 ms for 10 s: each occurrence exactly once, none early, on the grid', async () => {
    const prefix = freshPrefix();
    const workers = await startWorkers(3, prefix, 200);
    const web = await suite.webTier(prefix);
    await expect(web.tasks.get(KEY)).resolves.toMatchObject({
      series: { every: 200, missed: 'once' },
    });
    // The first worker up declared the series and ran it alone until the others were up: count
    // 10 s from the first occurrence all three saw come due.
    const allUp = Math.max(...workers.map((worker) => worker.events[0].receivedAt));
    await waitFor(
      () => reports(workers, 'handled').some((r) => r.receivedAt > allUp),
      5_000,
      'an occurrence',
    );
    const start = reports(workers, 'handled').find((r) => r.receivedAt > allUp)!.dueAt!;
    const end = start + 10_000;
    await waitFor(
      () => reports(workers, 'completed').some((report) => report.dueAt! >= end),
      20_000,
      '10 s of occurrences',
    );
    const handled = reports(workers, 'handled').filter(
      (report) => report.dueAt! >= start && report.dueAt! <= end,
    );
    const dues = handled.map((report) => report.dueAt!);
    // Exactly once: no due time twice, none missing from the grid.
    expect(new Set(dues).size).toBe(dues.length);
    expect(dues).toEqual(Array.from({ length: 51 }, (_, i) => start + i * 200));
    for (const report of handled) {
      expect(report).toMatchObject({ recurring: true, attempt: 1, scheduled: true });
      expect(report.firedAt).toBeGreaterThanOrEqual(report.dueAt!);
    }
    // Spread over the instances (each claims what it can first), and punctual.
    const lateness = handled.map((report) => report.firedAt - report.dueAt!).sort((a, b) => a - b);
    const spacing = handled.slice(1).map((report, i) => report.firedAt - handled[i].firedAt);
    const figures = {
      occurrences: handled.length,
      perInstance: workers.map((worker) => handled.filter((r) => r.worker === worker.name).length),
      latenessP50: lateness[Math.floor(lateness.length / 2)],
      latenessMax: lateness.at(-1),
      spacingMin: Math.min(...spacing),
      spacingMax: Math.max(...spacing),
    };
    if (process.env.RECURRING_FIGURES) process.stdout.write(`${JSON.stringify(figures)}\n`);
    expect(figures.latenessP50).toBeLessThan(50);
  });

  it('kill -9 of the instance running an occurrence: taken over within its slot, then on schedule', async () => {
    const prefix = freshPrefix();
    const every = 5_000;
    const workers = await startWorkers(2, prefix, every, 'slow:2500', { leaseMs: 1_000 });
    const web = await suite.webTier(prefix);
    const { dueAt } = (await web.tasks.get(KEY))!;
    await waitFor(() => reports(workers, 'handled').length > 0, every + 5_000, 'first occurrence');
    const [first] = reports(workers, 'handled');
    expect(first).toMatchObject({ dueAt, attempt: 1 });
    const doomed = workers.find((worker) => worker.name === first.worker)!;
    const survivor = workers.find((worker) => worker !== doomed)!;
    await doomed.kill('SIGKILL');
    await survivor.setMode('record');

    const takeover = (await survivor.waitFor(
      (report) => isHandled(report) && report.key === KEY && report.dueAt === dueAt,
      every,
      'takeover',
    )) as HandlerReport;
    expect(takeover).toMatchObject({ attempt: 2, source: 'recovery', recurring: true });
    expect(takeover.firedAt).toBeLessThan(dueAt + every);
    const next = (await survivor.waitFor(
      (report) => isHandled(report) && report.key === KEY && report.dueAt === dueAt + every,
      every + 5_000,
      'next occurrence',
    )) as HandlerReport;
    expect(next).toMatchObject({ attempt: 1, source: 'timer' });
    // Its handler reports completion in a message of its own, right after.
    await survivor.waitFor(
      (report) => report.type === 'completed' && report.dueAt === dueAt + every,
      5_000,
      'next occurrence completed',
    );
    // The killed occurrence completed once (on the survivor); nothing ran twice.
    const completed = reports([survivor], 'completed').map((report) => report.dueAt);
    expect(completed.slice(0, 2)).toEqual([dueAt, dueAt + every]);
  });

  it('an occurrence that keeps killing its instance is given up after maxAttempts, never dead-lettered; the series goes on', async () => {
    const prefix = freshPrefix();
    const every = 5_000;
    const workers = suite.keep(
      await WorkerProcess.startMany(2, {
        redisUrl: suite.redis.url,
        prefix,
        pattern: 'unrelated:*',
        mode: 'hang',
        name: 'doomed',
        options: { leaseMs: 1_000 },
        env: { RECURRING: JSON.stringify({ key: KEY, options: { every, maxAttempts: 1 } }) },
      }),
    );
    const web = await suite.webTier(prefix);
    const { dueAt } = (await web.tasks.get(KEY))!;
    await waitFor(() => reports(workers, 'handled').length > 0, every + 5_000, 'first occurrence');
    const [first] = reports(workers, 'handled');
    const doomed = workers.find((worker) => worker.name === first.worker)!;
    const survivor = workers.find((worker) => worker !== doomed)!;
    await survivor.setMode('record');
    await doomed.kill('SIGKILL');
    // Taken over as attempt 2 > maxAttempts: given up, not run; the next occurrence runs afresh.
    const next = (await survivor.waitFor(
      (report) => isHandled(report) && report.key === KEY,
      2 * every + 5_000,
      'the next occurrence',
    )) as HandlerReport;
    expect(next).toMatchObject({ dueAt: dueAt + every, attempt: 1 });
    await expect(web.tasks.deadLetters()).resolves.toMatchObject({ items: [] });
    await expect(web.tasks.get(KEY)).resolves.toMatchObject({ series: { every } });
  });

  it('every instance down across five occurrences: one catch-up, then on schedule', async () => {
    const prefix = freshPrefix();
    const every = 400;
    const [before] = await startWorkers(1, prefix, every, 'record', {}, 'before');
    await waitFor(() => reports([before], 'completed').length >= 2, 10_000, 'two occurrences');
    await before.stop();
    const last = reports([before], 'completed').at(-1)!.dueAt!;
    const web = await suite.webTier(prefix);
    const pending = (await web.tasks.get(KEY))!;
    expect(pending.dueAt).toBe(last + every);
    // Down until five more occurrences have passed.
    await waitFor(
      async () => (await web.tasks.stats()).oldestOverdueMs > 5 * every,
      10_000,
      'five missed',
    );

    const [after] = await startWorkers(1, prefix, every, 'record', {}, 'after');
    await waitFor(
      () => reports([after], 'completed').length >= 3,
      10_000,
      'three occurrences after',
    );
    const [catchUp, ...onSchedule] = reports([after], 'handled');
    // One catch-up, due at the latest passed grid time (several periods after the pending one)...
    expect((catchUp.dueAt! - pending.dueAt) % every).toBe(0);
    expect(catchUp.dueAt! - pending.dueAt).toBeGreaterThanOrEqual(5 * every);
    expect(catchUp.firedAt - catchUp.dueAt!).toBeLessThan(every);
    // ...then the grid, a period apart, each on time.
    expect(onSchedule.slice(0, 2).map((r) => r.dueAt)).toEqual([
      catchUp.dueAt! + every,
      catchUp.dueAt! + 2 * every,
    ]);
    for (const report of onSchedule) expect(report.firedAt).toBeGreaterThanOrEqual(report.dueAt!);
  });

  it('a redeploy re-declaring the series (with a new rule) keeps the next occurrence; the new rule applies after it', async () => {
    const prefix = freshPrefix();
    const old = await startWorkers(2, prefix, 60_000, 'record', {}, 'v1-');
    const web: FixtureApp = await suite.webTier(prefix);
    const { dueAt } = (await web.tasks.get(KEY))!;
    await Promise.all(old.map((worker) => worker.stop()));

    const fresh = await startWorkers(2, prefix, 1_500, 'record', {}, 'v2-');
    await expect(web.tasks.get(KEY)).resolves.toMatchObject({ dueAt, series: { every: 1_500 } });
    expect(reports([...old, ...fresh], 'handled')).toEqual([]);
    // Bring the pending occurrence near (not waiting a minute): the one after it follows the new rule.
    const shifted = (await web.tasks.shift(KEY, -(dueAt - Date.now()) + 500))!;
    await waitFor(() => reports(fresh, 'completed').length >= 2, 10_000, 'two occurrences');
    expect(
      reports(fresh, 'handled')
        .slice(0, 2)
        .map((r) => r.dueAt),
    ).toEqual([shifted, shifted + 1_500]);
  });
});
