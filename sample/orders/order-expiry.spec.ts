/**
 * The sample's own test of "cancel the order after 30 minutes", written the
 * way a user of the module writes one: a throwaway Redis, the app's real
 * module under @nestjs/testing, and a test clock instead of a 30-minute wait.
 */
import { Test, TestingModule } from '@nestjs/testing';
import { DelayTaskTesting, startTestRedis, TestRedis } from '../../lib/testing';
import { AppModule } from '../app.module';
import { OrdersService } from './orders.service';

const THIRTY_MINUTES = 30 * 60_000;

describe('an unpaid order', () => {
  let redis: TestRedis;
  let app: TestingModule;

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await Test.createTestingModule({
      imports: [
        AppModule.register({
          redisUrl: redis.url,
          prefix: 'sample-test',
          orderTimeoutMs: THIRTY_MINUTES,
          mealMs: 4 * 3_600_000,
          accelerationMs: 2 * 3_600_000,
        }),
      ],
    }).compile();
    app.useLogger(false);
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  it('is cancelled 30 minutes after it was placed, not a minute before', async () => {
    const orders = app.get(OrdersService);
    const clock = DelayTaskTesting.attach(app);
    const started = Date.now();

    const order = await orders.create();
    await clock.advance(THIRTY_MINUTES - 60_000);
    expect(orders.get(order.id).status).toBe('unpaid');

    await clock.advance(60_000);
    expect(orders.get(order.id)).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'scheduled task',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is left alone once paid', async () => {
    const orders = app.get(OrdersService);
    const clock = DelayTaskTesting.attach(app);
    const order = await orders.create();
    await orders.pay(order.id);
    await clock.advance(THIRTY_MINUTES);
    expect(orders.get(order.id).status).toBe('paid');
  });
});
