/**
 * `schedule(..., { ifPending })`: what scheduling a key that already has a
 * pending task does, in one atomic script (so two schedulers racing on one
 * key leave exactly one outcome), and what "pending" means for a task that
 * is in flight or dead-lettered.
 */
import { IfPending } from '../../lib';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { ProcessSuite } from '../support/process-suite';
import { waitFor } from '../support/wait-for';

const HOUR = 3_600_000;

describe('schedule ifPending', () => {
  const suite = ProcessSuite.use();

  /** A base moment far in the future, so that due times are exact (`at`) and nothing fires. */
  const base = () => Date.now() + HOUR;

  it.each<[IfPending | undefined, number, string]>([
    [undefined, 30_000, 'new'],
    ['replace', 30_000, 'new'],
    ['keep', 60_000, 'old'],
    ['earlier', 30_000, 'new'],
    ['later', 60_000, 'new'],
  ])(
    '%s, a sooner due time: in force %i ms after base, payload %s',
    async (mode, offset, payload) => {
      const web = await suite.webTier(freshPrefix());
      const at = base();
      await web.tasks.schedule('remind:1', 'old', { at: at + 60_000 });
      const reply = await web.tasks.schedule('remind:1', 'new', {
        at: at + 30_000,
        ...(mode && { ifPending: mode }),
      });
      expect(reply).toEqual({ key: 'remind:1', dueAt: at + offset });
      await expect(web.tasks.get('remind:1')).resolves.toMatchObject({
        payload,
        dueAt: at + offset,
        state: 'pending',
      });
    },
  );

  it.each<[IfPending, number]>([
    ['keep', 60_000],
    ['earlier', 60_000],
    ['later', 90_000],
  ])('%s, a later due time: in force %i ms after base', async (mode, offset) => {
    const web = await suite.webTier(freshPrefix());
    const at = base();
    await web.tasks.schedule('remind:1', 'old', { at: at + 60_000 });
    const { dueAt } = await web.tasks.schedule('remind:1', 'new', {
      at: at + 90_000,
      ifPending: mode,
    });
    expect(dueAt).toBe(at + offset);
    await expect(web.tasks.get('remind:1')).resolves.toMatchObject({ dueAt: at + offset });
  });

  it.each<IfPending>(['keep', 'earlier', 'later'])(
    '%s writes the task when the key has none pending',
    async (mode) => {
      const web = await suite.webTier(freshPrefix());
      const at = base();
      const reply = await web.tasks.schedule('remind:1', 'new', { at, ifPending: mode });
      expect(reply.dueAt).toBe(at);
      await expect(web.tasks.get('remind:1')).resolves.toMatchObject({ payload: 'new', dueAt: at });
    },
  );

  it('scheduleMany applies each item its own mode', async () => {
    const web = await suite.webTier(freshPrefix());
    const at = base();
    await web.tasks.scheduleMany(
      ['a', 'b', 'c'].map((name) => ({ key: `k:${name}`, payload: 'old', at: at + 60_000 })),
    );
    const replies = await web.tasks.scheduleMany([
      { key: 'k:a', payload: 'new', at: at + 30_000, ifPending: 'keep' },
      { key: 'k:b', payload: 'new', at: at + 30_000, ifPending: 'earlier' },
      { key: 'k:c', payload: 'new', at: at + 30_000, ifPending: 'later' },
      { key: 'k:d', payload: 'new', at: at + 30_000, ifPending: 'keep' },
    ]);
    expect(replies).toEqual([
      { key: 'k:a', dueAt: at + 60_000 },
      { key: 'k:b', dueAt: at + 30_000 },
      { key: 'k:c', dueAt: at + 60_000 },
      { key: 'k:d', dueAt: at + 30_000 },
    ]);
    const payloads = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (name) => (await web.tasks.get(`k:${name}`))?.payload),
    );
    expect(payloads).toEqual(['old', 'new', 'new', 'new']);
  });

  it('an in-flight task is not pending: keep writes a new task, delivered at its own due time', async () => {
    const prefix = freshPrefix();
    const seen = new EventCollector<string>();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const worker = await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false }, [
        collectingHandler<string>('remind:*', seen, (event) =>
          event.payload === 'first' ? released : undefined,
        ),
      ]),
    );
    await worker.tasks.schedule('remind:1', 'first', { delay: 0 });
    await seen.count(1);
    const { dueAt } = await worker.tasks.schedule('remind:1', 'second', {
      delay: 200,
      ifPending: 'keep',
    });
    await expect(worker.tasks.get('remind:1')).resolves.toMatchObject({
      payload: 'second',
      dueAt,
      state: 'pending',
    });
    release();
    await seen.count(2);
    expect(seen.events.map((e) => e.payload)).toEqual(['first', 'second']);
    expect(seen.events[1].dueAt).toBe(dueAt);
  });

  it('a dead-lettered task is not pending: keep replaces the dead letter', async () => {
    const prefix = freshPrefix();
    const seen = new EventCollector<string>();
    const worker = await suite.startApp(() =>
      startApp({ connection: suite.redis.url, prefix, keyspaceEvents: false }, [
        collectingHandler<string>('remind:*', seen, (event) => {
          if (event.payload === 'doomed') throw new Error('no mail server');
        }),
      ]),
    );
    await worker.tasks.schedule('remind:1', 'doomed', { delay: 0, maxAttempts: 1 });
    await waitFor(
      async () => (await worker.tasks.deadLetters()).items.length === 1,
      5_000,
      'the dead letter',
    );
    expect(worker.logs.messages('error')).toEqual([
      'Handler CollectingHandler.handle failed for key "remind:1": no mail server',
    ]);
    const at = base();
    await worker.tasks.schedule('remind:1', 'again', { at, ifPending: 'keep' });
    await expect(worker.tasks.deadLetters()).resolves.toMatchObject({ items: [] });
    await expect(worker.tasks.get('remind:1')).resolves.toMatchObject({
      payload: 'again',
      dueAt: at,
    });
  });

  describe('two schedulers racing on one key leave exactly one outcome', () => {
    const ROUNDS = 40;
    let one: FixtureApp;
    let other: FixtureApp;

    beforeEach(async () => {
      const prefix = freshPrefix();
      [one, other] = await Promise.all([suite.webTier(prefix), suite.webTier(prefix)]);
    });

    it.each<[IfPending, (a: number, b: number) => number | null]>([
      ['replace', () => null],
      ['keep', () => null],
      ['earlier', Math.min],
      ['later', Math.max],
    ])('%s', async (mode, expectedDue) => {
      const at = base();
      for (let round = 0; round < ROUNDS; round++) {
        const key = `race:${mode}:${round}`;
        const dues = { one: at + 30_000 + round, other: at + 60_000 + round };
        const [fromOne, fromOther] = await Promise.all([
          one.tasks.schedule(key, 'one', { at: dues.one, ifPending: mode }),
          other.tasks.schedule(key, 'other', { at: dues.other, ifPending: mode }),
        ]);
        const stored = await one.tasks.get<string>(key);
        if (!stored) throw new Error(`${key} was not stored`);
        const winner = stored.payload === 'one' ? fromOne : fromOther;
        const loser = stored.payload === 'one' ? fromOther : fromOne;
        // The call whose payload stands reports the due time in force.
        expect(winner.dueAt).toBe(stored.dueAt);
        const combined = expectedDue(dues.one, dues.other);
        if (combined !== null) {
          expect(stored.dueAt).toBe(combined);
        } else if (mode === 'keep') {
          // The first write stands and the second call reports it; nothing was overwritten.
          expect(loser.dueAt).toBe(stored.dueAt);
          expect(stored.dueAt).toBe(stored.payload === 'one' ? dues.one : dues.other);
        } else {
          // replace: the last write stands, with its own due time.
          expect(stored.dueAt).toBe(stored.payload === 'one' ? dues.one : dues.other);
        }
      }
    });
  });
});
