import { Injectable } from '@nestjs/common';
import { firstValueFrom, take, toArray } from 'rxjs';
import { DelayTaskService, ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { collectingHandler, EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';
import { storeIsEmpty } from '../support/empty-store';

describe('scheduled tasks', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());

  it('delivers the payload (nested, unicode) with scheduled, attempt and dueAt', async () => {
    const collector = new EventCollector<{ order: { id: number; note: string; tags: string[] } }>();
    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('order:*', collector),
    ]);
    try {
      const payload = {
        order: { id: 2 ** 53 - 1, note: 'crème brûlée 🍮 — 注文', tags: [] as string[] },
      };
      const ref = await fixture.tasks.schedule('order:42', payload, { delay: 200 });
      const event = await collector.forKey('order:42');
      expect(event.payload).toEqual(payload);
      expect(event).toMatchObject({ key: 'order:42', scheduled: true, attempt: 1, db: 0 });
      expect(event.dueAt).toBe(ref.dueAt);
      expect(event.firedAt).toBeGreaterThanOrEqual(ref.dueAt);
      // Acknowledged once the handler resolved: nothing is left behind.
      await waitFor(async () => (await fixture.tasks.get('order:42')) === null);
    } finally {
      await fixture.close();
    }
  });

  it('delivers a task scheduled without payload, and one with `at` in the past right away', async () => {
    const collector = new EventCollector();
    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('p:*', collector),
    ]);
    try {
      await fixture.tasks.schedule('p:none', undefined, { delay: 0 });
      const past = await fixture.tasks.schedule('p:past', null, {
        at: new Date(Date.now() - 60_000),
      });
      await collector.count(2);
      const none = collector.events.find((e) => e.key === 'p:none');
      expect(none?.payload).toBeUndefined();
      const late = collector.events.find((e) => e.key === 'p:past');
      expect(late?.payload).toBeNull();
      expect(late?.dueAt).toBe(past.dueAt);
    } finally {
      await fixture.close();
    }
  });

  it('cancel, reschedule, shift, get and upsert act on the pending task', async () => {
    const collector = new EventCollector<{ v: number }>();
    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('t:*', collector),
    ]);
    const { tasks } = fixture;
    try {
      // get before the first delivery
      const { dueAt } = await tasks.schedule('t:get', { v: 1 }, { delay: 60_000 });
      await expect(tasks.get('t:get')).resolves.toEqual({
        key: 't:get',
        payload: { v: 1 },
        dueAt,
        runAt: dueAt,
        attempt: 0,
        state: 'pending',
      });

      // cancel: true once, then false; the task never fires
      await tasks.schedule('t:cancel', { v: 2 }, { delay: 300 });
      await expect(tasks.cancel('t:cancel')).resolves.toBe(true);
      await expect(tasks.cancel('t:cancel')).resolves.toBe(false);
      await expect(tasks.get('t:cancel')).resolves.toBeNull();

      // upsert: the second schedule replaces payload and due time
      await tasks.schedule('t:upsert', { v: 3 }, { delay: 60_000 });
      await tasks.schedule('t:upsert', { v: 4 }, { delay: 100 });

      // reschedule keeps the payload and returns the new due time
      await tasks.schedule('t:resched', { v: 5 }, { delay: 60_000 });
      const rescheduledAt = await tasks.reschedule('t:resched', { delay: 150 });
      expect(rescheduledAt).toEqual((await tasks.get('t:resched'))?.dueAt);

      // shift by a negative delta (the acceleration card)
      const shifted = await tasks.schedule('t:shift', { v: 6 }, { delay: 60_000 });
      const shiftedAt = await tasks.shift('t:shift', -59_800);
      expect(shiftedAt).toBe(shifted.dueAt - 59_800);

      // not pending: null / false
      await expect(tasks.reschedule('t:unknown', { delay: 1 })).resolves.toBeNull();
      await expect(tasks.shift('t:unknown', 1)).resolves.toBeNull();
      await expect(tasks.get('t:unknown')).resolves.toBeNull();

      await collector.until((events) =>
        ['t:upsert', 't:resched', 't:shift'].every((k) => events.some((e) => e.key === k)),
      );
      expect(collector.events.find((e) => e.key === 't:upsert')?.payload).toEqual({ v: 4 });
      expect(collector.events.find((e) => e.key === 't:resched')).toMatchObject({
        payload: { v: 5 },
        dueAt: rescheduledAt,
      });
      expect(collector.events.find((e) => e.key === 't:shift')).toMatchObject({
        payload: { v: 6 },
        dueAt: shiftedAt,
      });
      expect(collector.events.filter((e) => e.key === 't:upsert')).toHaveLength(1);
      expect(collector.events.some((e) => e.key === 't:cancel')).toBe(false);
      await tasks.cancel('t:get');
    } finally {
      await fixture.close();
    }
  });

  it('lets a handler schedule its own key again (the auto-feed card), and get() shows it active meanwhile', async () => {
    const meals: Array<ExpiredKeyEvent<{ meal: number }>> = [];
    let release!: () => void;
    const firstMealHeld = new Promise<void>((resolve) => (release = resolve));
    let observedWhileActive: unknown;
    let secondMeal!: () => void;
    const secondMealDone = new Promise<void>((resolve) => (secondMeal = resolve));

    @Injectable()
    class PetMeals {
      constructor(private readonly tasks: DelayTaskService) {}

      @OnKeyExpired('pet-meal:*')
      async finish(event: ExpiredKeyEvent<{ meal: number }>) {
        meals.push(event);
        if (event.payload?.meal === 1) {
          observedWhileActive = await this.tasks.get(event.key);
          await firstMealHeld;
          await this.tasks.schedule(event.key, { meal: 2 }, { delay: 100 });
        } else {
          secondMeal();
        }
      }
    }

    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [PetMeals]);
    try {
      await fixture.tasks.schedule('pet-meal:7', { meal: 1 }, { delay: 50 });
      await waitFor(() => observedWhileActive !== undefined);
      expect(observedWhileActive).toMatchObject({ key: 'pet-meal:7', state: 'active', attempt: 1 });
      await expect(fixture.tasks.cancel('pet-meal:7')).resolves.toBe(false); // in flight: not cancellable
      release();
      await secondMealDone;
      expect(meals.map((e) => e.payload?.meal)).toEqual([1, 2]);
      // The second meal was acknowledged; the first meal's acknowledgement did not delete it early.
      await waitFor(async () => (await fixture.tasks.get('pet-meal:7')) === null);
    } finally {
      await fixture.close();
    }
  });

  it('scheduleMany writes a batch, keeps the last of a repeated key, and streams every delivery', async () => {
    const collector = new EventCollector<{ n: number }>();
    const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
      collectingHandler('bulk:*', collector),
    ]);
    try {
      const streamed = firstValueFrom(fixture.tasks.on('bulk:1*').pipe(take(11), toArray()));
      const items = Array.from({ length: 2_500 }, (_, n) => ({
        key: `bulk:${n}`,
        payload: { n },
        delay: 200,
      }));
      items.push({ key: 'bulk:0', payload: { n: -1 }, delay: 100 });
      const refs = await fixture.tasks.scheduleMany(items);
      expect(refs).toHaveLength(2_500);
      expect(refs[refs.length - 1].key).toBe('bulk:0');
      await collector.count(2_500);
      expect(new Set(collector.events.map((e) => e.key)).size).toBe(2_500);
      expect(collector.events.find((e) => e.key === 'bulk:0')?.payload).toEqual({ n: -1 });
      const viaStream = await streamed;
      expect(viaStream.every((e) => e.key.startsWith('bulk:1') && e.scheduled)).toBe(true);
      await waitFor(() => storeIsEmpty(fixture.tasks));
    } finally {
      await fixture.close();
    }
  });

  it('an instance without a matching handler never claims: the task waits, counted as overdue', async () => {
    const prefix = freshPrefix();
    const other = new EventCollector();
    const webTier = await startApp({ connection: redis.url, prefix }, [
      collectingHandler('other:*', other),
    ]);
    try {
      const observed = firstValueFrom(webTier.tasks.expired$.pipe(take(1)));
      await webTier.tasks.schedule('report:1', { r: 1 }, { delay: 50 });
      await webTier.tasks.schedule('other:1', { o: 1 }, { delay: 100 });
      await other.forKey('other:1');
      // other:1 was due after report:1, so report:1 was passed over, not missed.
      await expect(webTier.tasks.get('report:1')).resolves.toMatchObject({
        state: 'pending',
        attempt: 0,
      });
      await expect(webTier.tasks.stats()).resolves.toMatchObject({ pending: 1, overdue: 1 });
      expect((await observed).key).toBe('other:1');

      const reports = new EventCollector();
      const worker = await startApp({ connection: redis.url, prefix }, [
        collectingHandler('report:*', reports),
      ]);
      try {
        const event = await reports.forKey('report:1');
        expect(event).toMatchObject({ attempt: 1, source: 'recovery', payload: { r: 1 } });
      } finally {
        await worker.close();
      }
    } finally {
      await webTier.close();
    }
  });
});
