import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { Registry, register } from 'prom-client';
import {
  DelayTaskModule,
  ExpiredKeyEvent,
  InvalidOptionsError,
  OnKeyExpired,
  RedisConnectionError,
} from '../../lib';
import { freePort, RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/** The value of one sample line of a Prometheus text scrape, or undefined when absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('metrics through prom-client', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());

  it('scrapes counters, histograms (a lateness observation per delivery) and gauges read from Redis', async () => {
    const orders = new EventCollector();
    const flaky = new EventCollector();
    const plain = new EventCollector();

    @Injectable()
    class Handlers {
      @OnKeyExpired('order:*')
      order(event: ExpiredKeyEvent) {
        orders.push(event);
      }

      @OnKeyExpired('flaky:*')
      flaky(event: ExpiredKeyEvent) {
        flaky.push(event);
        throw new Error(`declined on attempt ${event.attempt}`);
      }

      @OnKeyExpired('plain:*')
      plain(event: ExpiredKeyEvent) {
        plain.push(event);
      }
    }

    const registry = new Registry();
    const fixture = await startApp(
      {
        connection: redis.url,
        prefix: freshPrefix(),
        maxAttempts: 2,
        backoff: { type: 'fixed', delay: 50 },
        metrics: { prometheus: { registry } },
      },
      [Handlers],
    );
    const writer = new IORedis(redis.url);
    try {
      const { tasks } = fixture;
      await tasks.scheduleMany([1, 2, 3].map((n) => ({ key: `order:${n}`, payload: n, delay: 0 })));
      await tasks.schedule('flaky:1', null, { delay: 0 });
      await tasks.schedule('later:1', null, { delay: 3_600_000 });
      await writer.set('plain:1', 'x', 'PX', 1);
      await orders.count(3);
      await flaky.count(2);
      await plain.count(1);
      await waitFor(async () => (await tasks.deadLetters()).items.length === 1);

      const text = await registry.metrics();
      for (const [name, type] of [
        ['delay_task_scheduled_total', 'counter'],
        ['delay_task_deliveries_total', 'counter'],
        ['delay_task_dead_lettered_total', 'counter'],
        ['delay_task_keyspace_events_total', 'counter'],
        ['delay_task_lateness_seconds', 'histogram'],
        ['delay_task_handler_duration_seconds', 'histogram'],
        ['delay_task_pending', 'gauge'],
        ['delay_task_overdue', 'gauge'],
        ['delay_task_oldest_overdue_seconds', 'gauge'],
        ['delay_task_active', 'gauge'],
        ['delay_task_dead', 'gauge'],
        ['delay_task_in_flight', 'gauge'],
      ]) {
        expect(text).toContain(`# TYPE ${name} ${type}\n`);
      }
      expect(sample(text, 'delay_task_scheduled_total')).toBe(5);
      expect(
        sample(
          text,
          'delay_task_deliveries_total{pattern="order:*",source="timer",outcome="completed"}',
        ),
      ).toBe(3);
      const flakyDeliveries = (outcome: string) =>
        ['timer', 'recovery']
          .map((source) =>
            sample(
              text,
              `delay_task_deliveries_total{pattern="flaky:*",source="${source}",outcome="${outcome}"}`,
            ),
          )
          .reduce<number>((sum, n) => sum + (n ?? 0), 0);
      expect(flakyDeliveries('retrying')).toBe(1);
      expect(flakyDeliveries('dead')).toBe(1);
      expect(sample(text, 'delay_task_dead_lettered_total{pattern="flaky:*"}')).toBe(1);
      expect(sample(text, 'delay_task_keyspace_events_total{pattern="plain:*"}')).toBe(1);
      // No label is ever a key.
      expect(text).not.toMatch(/order:1|flaky:1|plain:1|later:1/);

      // One lateness observation per delivery: 3 orders + 2 attempts of flaky:1.
      expect(sample(text, 'delay_task_lateness_seconds_count{source="scheduled"}')).toBe(5);
      expect(sample(text, 'delay_task_lateness_seconds_bucket{source="scheduled",le="+Inf"}')).toBe(
        5,
      );
      // Delivered within a minute of becoming due, on a loaded machine: the buckets are cumulative.
      expect(sample(text, 'delay_task_lateness_seconds_bucket{source="scheduled",le="60"}')).toBe(
        5,
      );
      expect(
        sample(
          text,
          'delay_task_handler_duration_seconds_count{pattern="order:*",outcome="completed"}',
        ),
      ).toBe(3);

      expect(sample(text, 'delay_task_pending')).toBe(1);
      expect(sample(text, 'delay_task_overdue')).toBe(0);
      expect(sample(text, 'delay_task_oldest_overdue_seconds')).toBe(0);
      expect(sample(text, 'delay_task_active')).toBe(0);
      expect(sample(text, 'delay_task_dead')).toBe(1);
      expect(sample(text, 'delay_task_in_flight')).toBe(0);

      // The scrape sent a keyspace probe: its expired event becomes a keyspace lateness observation.
      await waitFor(
        async () =>
          (sample(
            await registry.metrics(),
            'delay_task_lateness_seconds_count{source="keyspace"}',
          ) ?? 0) >= 1,
        15_000,
        'a keyspace probe observed',
      );
      // The probe is the module's own key: no handler and no stream saw it.
      expect(plain.events.map((e) => e.key)).toEqual(['plain:1']);
    } finally {
      writer.disconnect();
      await fixture.close();
    }
    // app.close() takes the metrics out of a registry that outlives the app.
    expect(await registry.metrics()).not.toContain('delay_task_');
  });

  it("registers in prom-client's default registry with { prometheus: true }, as @willsoto/nestjs-prometheus serves it", async () => {
    const fixture = await startApp({
      connection: redis.url,
      prefix: freshPrefix(),
      metrics: { prometheus: true },
    });
    try {
      await fixture.tasks.schedule('a:1', null, { delay: 60_000 });
      const text = await register.metrics();
      expect(sample(text, 'delay_task_scheduled_total')).toBe(1);
      expect(sample(text, 'delay_task_pending')).toBe(1);
    } finally {
      await fixture.close();
    }
    expect(await register.metrics()).not.toContain('delay_task_');
  });

  it('fails the bootstrap with InvalidOptionsError for a registry that is not one, an unknown option, or a registry already in use', async () => {
    const bad: unknown[] = [
      { prometheus: { registry: {} } },
      { prometheus: { registry: new Registry(), help: true } },
      { prometheus: 'yes' },
      { prometheus: true, histograms: true },
    ];
    for (const metrics of bad) {
      await expect(
        bootApp({
          imports: [
            DelayTaskModule.forRoot({
              connection: redis.url,
              prefix: freshPrefix(),
              metrics: metrics as never,
            }),
          ],
        }),
      ).rejects.toThrow(InvalidOptionsError);
    }

    const shared = new Registry();
    const first = await startApp({
      connection: redis.url,
      prefix: freshPrefix(),
      metrics: { prometheus: { registry: shared } },
    });
    try {
      await expect(
        bootApp({
          imports: [
            DelayTaskModule.forRoot({
              connection: redis.url,
              prefix: freshPrefix(),
              metrics: { prometheus: { registry: shared } },
            }),
          ],
        }),
      ).rejects.toThrow(/need a registry each/);
      // The failed app took nothing away from the first one's registry.
      expect(await shared.metrics()).toContain('# TYPE delay_task_pending gauge');
    } finally {
      await first.close();
    }
  });

  it('takes its metrics out of the registry again when the start fails (Redis unreachable)', async () => {
    const registry = new Registry();
    const port = await freePort();
    await expect(
      bootApp({
        imports: [
          DelayTaskModule.forRoot({
            connection: { host: '127.0.0.1', port, retryStrategy: () => null },
            metrics: { prometheus: { registry } },
          }),
        ],
      }),
    ).rejects.toThrow(RedisConnectionError);
    // So the app can be started again in the same process, with the same registry.
    expect(await registry.metrics()).not.toContain('delay_task_');
  });
});
