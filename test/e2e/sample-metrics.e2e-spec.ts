/**
 * The sample app's `GET /metrics` (`@willsoto/nestjs-prometheus` over
 * prom-client's default registry), with the module's metrics in it, over
 * HTTP against a redis-server this test starts.
 */
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { RedisServer, redisServerAvailable } from '../../lib/testing/redis-server';
import { AppModule } from '../../sample/app.module';
import type { Order } from '../../sample/orders/orders.service';
import { waitFor } from '../support/wait-for';

const describeWithRedis = redisServerAvailable() ? describe : describe.skip;

describeWithRedis('sample app GET /metrics (e2e)', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.register({
          redisUrl: redis.url,
          prefix: `sample-metrics-${randomUUID().slice(0, 8)}`,
          orderTimeoutMs: 200,
          mealMs: 60_000,
          accelerationMs: 1_000,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const scrape = async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  it("serves the module's metrics beside prom-client's default ones", async () => {
    const order = (await (await fetch(`${baseUrl}/orders`, { method: 'POST' })).json()) as Order;
    await waitFor(async () => {
      const response = await fetch(`${baseUrl}/orders/${order.id}`);
      return ((await response.json()) as Order).status === 'cancelled';
    });
    // Counted once its handler resolved: the order was cancelled by then, the count follows.
    await waitFor(async () =>
      (await scrape()).includes(
        'delay_task_deliveries_total{pattern="order:*",source="timer",outcome="completed"} 1',
      ),
    );
    const text = await scrape();
    expect(text).toContain('# TYPE delay_task_lateness_seconds histogram');
    expect(text).toMatch(/^delay_task_lateness_seconds_count\{source="scheduled"\} 1$/m);
    expect(text).toMatch(/^delay_task_scheduled_total 1$/m);
    expect(text).toMatch(/^delay_task_pending 0$/m);
    // prom-client's default metrics, which @willsoto/nestjs-prometheus turns on.
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });
});
