/**
 * The sample app, driven over HTTP against a redis-server this test starts:
 * each story's observable outcome, waited for by polling its GET endpoint
 * with a deadline (never a fixed sleep).
 */
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { AppModule } from '../../sample/app.module';
import { SampleConfig } from '../../sample/config';
import type { Coupon } from '../../sample/coupons/coupons.service';
import type { Order } from '../../sample/orders/orders.service';
import type { Pet } from '../../sample/pets/pets.service';
import { RedisServer, redisServerAvailable } from '../../lib/testing/redis-server';

const ORDER_TIMEOUT_MS = 2_000;
const MEAL_MS = 2_000;
const ACCELERATION_MS = 1_500;
/** Timers may round down by a millisecond or so; nothing may fire earlier than this. */
const EARLY_TOLERANCE_MS = 50;

const describeWithRedis = redisServerAvailable() ? describe : describe.skip;

describeWithRedis('sample app (e2e)', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let outsider: Redis;
  let baseUrl: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const config: SampleConfig = {
      redisUrl: redis.url,
      prefix: `sample-e2e-${randomUUID().slice(0, 8)}`,
      orderTimeoutMs: ORDER_TIMEOUT_MS,
      mealMs: MEAL_MS,
      accelerationMs: ACCELERATION_MS,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.register(config)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    // Another program writing plain keys, as in the classic setup.
    outsider = new Redis(redis.url);
  });

  afterAll(async () => {
    outsider?.disconnect();
    await app?.close();
    await redis?.stop();
  });

  async function call<T>(method: 'GET' | 'POST', path: string, body?: object) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Polls `read` until `done` holds, failing with the last value seen after `timeoutMs`. */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) {
        throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const getOrder = async (id: string) => (await call<Order>('GET', `/orders/${id}`)).body;
  const getCoupon = async (id: string) => (await call<Coupon>('GET', `/coupons/${id}`)).body;
  const getPet = async (id: string) => (await call<Pet>('GET', `/pets/${id}`)).body;

  describe('orders', () => {
    it('cancels an unpaid order when its timeout is due', async () => {
      const created = await call<Order>('POST', '/orders');
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('unpaid');

      const order = await until(
        () => getOrder(created.body.id),
        (o) => o.status === 'cancelled',
      );
      expect(order.cancelledBy).toBe('scheduled task');
      expect(order.cancelledAt).toBeGreaterThanOrEqual(order.payBy - EARLY_TOLERANCE_MS);
    });

    it('leaves a paid order alone', async () => {
      const paid = (await call<Order>('POST', '/orders')).body;
      // Created after `paid`, so its timeout is due later: once it has been
      // cancelled, the paid order's timeout would have fired too.
      const witness = (await call<Order>('POST', '/orders')).body;

      const payment = await call<Order & { timeoutCancelled: boolean }>(
        'POST',
        `/orders/${paid.id}/pay`,
      );
      expect(payment.status).toBe(200);
      expect(payment.body).toMatchObject({ status: 'paid', timeoutCancelled: true });

      await until(
        () => getOrder(witness.id),
        (o) => o.status === 'cancelled',
      );
      expect(await getOrder(paid.id)).toMatchObject({ status: 'paid' });
      expect((await call('POST', `/orders/${paid.id}/pay`)).status).toBe(409);
    });

    it('runs the same handler for a plain key written by another program', async () => {
      const order = (await call<Order>('POST', '/orders')).body;
      await outsider.set(`order:${order.id}`, 'v', 'PX', 200);

      // NOTE: the order's own timeout is due ORDER_TIMEOUT_MS after creation;
      // on an otherwise empty Redis the plain key's expired event comes well before.
      const cancelled = await until(
        () => getOrder(order.id),
        (o) => o.status === 'cancelled',
      );
      expect(cancelled.cancelledBy).toBe('plain key');
    });
  });

  describe('coupons', () => {
    it('reminds the user before the coupon expires', async () => {
      const created = await call<Coupon>('POST', '/coupons', {
        userId: 'ann',
        expiresInMs: 2_000,
        remindBeforeMs: 1_500,
      });
      expect(created.status).toBe(201);
      expect(created.body.remindAt).toBe(created.body.expiresAt - 1_500);

      const coupon = await until(
        () => getCoupon(created.body.id),
        (c) => c.remindedAt !== undefined,
      );
      expect(coupon.remindedAt).toBeGreaterThanOrEqual(coupon.remindAt - EARLY_TOLERANCE_MS);
      expect(coupon.remindedAt).toBeLessThan(coupon.expiresAt);
    });

    it('rejects a reminder that would come after expiry', async () => {
      const response = await call('POST', '/coupons', {
        userId: 'ann',
        expiresInMs: 1_000,
        remindBeforeMs: 2_000,
      });
      expect(response.status).toBe(400);
    });

    it('rejects an expiry past the last representable date with 400, not 500', async () => {
      const response = await call<{ message: string }>('POST', '/coupons', {
        userId: 'ann',
        expiresInMs: Number.MAX_SAFE_INTEGER,
        remindBeforeMs: 0,
      });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/last representable date/);
    });
  });

  describe('pets', () => {
    it('shortens a meal with an acceleration card', async () => {
      expect((await call('POST', '/pets/rex/acceleration-card')).status).toBe(404);

      const started = await call<Pet>('POST', '/pets/rex/meals');
      expect(started.status).toBe(201);
      expect(started.body.eating).toBe(true);
      const plannedEnd = started.body.mealEndsAt as number;
      expect((await call('POST', '/pets/rex/meals')).status).toBe(409);

      const accelerated = await call<Pet>('POST', '/pets/rex/acceleration-card');
      expect(accelerated.status).toBe(200);
      // `mealEndsAt` is the task's due time, which `shift` moved by exactly the card's value.
      expect(accelerated.body.mealEndsAt).toBe(plannedEnd - ACCELERATION_MS);

      const fed = await until(
        () => getPet('rex'),
        (p) => p.mealsFinished === 1,
      );
      expect(Date.now()).toBeLessThan(plannedEnd);
      expect(fed).toMatchObject({ eating: false, mealEndsAt: null, accelerationCardsUsed: 1 });
      expect((await call('POST', '/pets/rex/acceleration-card')).status).toBe(409);
    });

    it('uses an auto-feed card for exactly one more meal', async () => {
      const granted = await call<Pet>('POST', '/pets/tom/auto-feed-card');
      expect(granted.body.cards.autoFeed).toBe(1);
      expect((await call('POST', '/pets/tom/meals')).status).toBe(201);

      const refilled = await until(
        () => getPet('tom'),
        (p) => p.mealsFinished === 1 && p.eating,
        MEAL_MS + 15_000,
      );
      expect(refilled).toMatchObject({ autoFedMeals: 1, cards: { autoFeed: 0 } });

      const done = await until(
        () => getPet('tom'),
        (p) => p.mealsFinished === 2,
        MEAL_MS + 15_000,
      );
      // The second meal ran its full length (ended by its own task, not by a
      // repeated delivery of the first), and with no card left nothing followed it.
      expect(Date.now()).toBeGreaterThanOrEqual(
        (refilled.mealEndsAt as number) - EARLY_TOLERANCE_MS,
      );
      expect(done).toMatchObject({ eating: false, mealEndsAt: null, autoFedMeals: 1 });
      expect(done.cards.autoFeed).toBe(0);
    });
  });
});
