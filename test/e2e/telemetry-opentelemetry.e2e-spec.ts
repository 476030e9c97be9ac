import { Injectable } from '@nestjs/common';
import { context, metrics, SpanContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPoint,
  Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import IORedis from 'ioredis';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { TaskKeys } from '../../lib/store/task-keys';
import { RedisServer } from '../../lib/testing/redis-server';
import { EventCollector, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

describe('OpenTelemetry metrics and traces', () => {
  let redis: RedisServer;
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const tracer = () => trace.getTracer('checkout-service');

  beforeAll(async () => {
    redis = await RedisServer.start();
    // As an app does before it creates its Nest app: an SDK, a context manager.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    );
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });
  afterAll(async () => {
    await reader.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
    await redis.stop();
  });
  beforeEach(() => spans.reset());

  /** The module's metrics as the SDK collected them just now. */
  async function collected(): Promise<Map<string, MetricData>> {
    metricExporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        if (scope.scope.name !== 'nestjs-delay-task') continue;
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
    }
    return byName;
  }

  function point(metric: MetricData | undefined, attributes: Record<string, string> = {}) {
    const points = (metric?.dataPoints ?? []) as DataPoint<unknown>[];
    return points.find((p) =>
      Object.entries(attributes).every(([name, value]) => p.attributes[name] === value),
    );
  }

  it('links each delivery span (a retry too) to the span that scheduled the task, with its attributes, and reports the metrics', async () => {
    const deliveries = new EventCollector();

    @Injectable()
    class Payments {
      @OnKeyExpired('charge:*')
      async charge(event: ExpiredKeyEvent) {
        deliveries.push(event);
        // The handler's own spans are children of the delivery span.
        await tracer().startActiveSpan('call payment provider', async (span) => span.end());
        if (event.attempt === 1) throw new Error('provider timed out');
      }
    }

    const prefix = freshPrefix();
    const fixture = await startApp(
      { connection: redis.url, prefix, backoff: { type: 'fixed', delay: 1_500 } },
      [Payments],
    );
    const raw = new IORedis(redis.url);
    try {
      const { tasks } = fixture;
      let scheduling: SpanContext | undefined;
      const { dueAt } = await tracer().startActiveSpan('POST /checkout', async (span) => {
        scheduling = span.spanContext();
        try {
          // scheduleMany stores the same context with each task it writes.
          await tasks.scheduleMany([{ key: 'charge:9', payload: null, delay: 3_600_000 }]);
          return await tasks.schedule('charge:7', { amount: 5 }, { delay: 0 });
        } finally {
          span.end();
        }
      });
      // Scheduled outside any span: the record carries no trace context, not a byte of it.
      await tasks.schedule('charge:8', null, { delay: 3_600_000 });
      const records = new TaskKeys(prefix, 1).shards[0].tasks;
      // The record carries the scheduling span's traceparent (record-extensions.ts, tag "t").
      for (const key of ['charge:7', 'charge:9']) {
        expect(await raw.hget(records, key)).toContain(
          `t00-${scheduling!.traceId}-${scheduling!.spanId}-01`,
        );
      }
      expect(await raw.hget(records, 'charge:8')).not.toContain('~');

      await deliveries.count(2);
      await waitFor(
        () => spans.getFinishedSpans().filter((s) => s.name === 'process charge:*').length === 2,
        10_000,
        'two delivery spans',
      );
      const delivered = spans
        .getFinishedSpans()
        .filter((s) => s.name === 'process charge:*')
        .sort(
          (a, b) =>
            Number(a.attributes['delay_task.attempt']) - Number(b.attributes['delay_task.attempt']),
        );
      for (const [index, span] of delivered.entries()) {
        expect(span.kind).toBe(SpanKind.CONSUMER);
        // Linked, not parented: a trace of its own, with a link back to the request that scheduled it.
        expect(span.parentSpanContext).toBeUndefined();
        expect(span.spanContext().traceId).not.toBe(scheduling!.traceId);
        expect(span.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([
          [scheduling!.traceId, scheduling!.spanId],
        ]);
        expect(span.attributes).toMatchObject({
          'delay_task.key': 'charge:7',
          'delay_task.attempt': index + 1,
          'delay_task.due_at': dueAt,
          'delay_task.source': 'timer',
          'delay_task.outcome': index === 0 ? 'retrying' : 'completed',
        });
        expect(span.attributes['delay_task.lateness_ms']).toEqual(expect.any(Number));
        const child = spans
          .getFinishedSpans()
          .find(
            (s) =>
              s.name === 'call payment provider' &&
              s.parentSpanContext?.spanId === span.spanContext().spanId,
          );
        expect(child?.spanContext().traceId).toBe(span.spanContext().traceId);
      }
      expect(delivered[0].status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'provider timed out',
      });
      expect(delivered[1].status.code).toBe(SpanStatusCode.UNSET);
      // The retry ran 1.5 s after the business due time, but its lateness counts from its retry
      // time, the moment it became due again (the due-index score claim.lua returns).
      expect(deliveries.events[1].firedAt - dueAt).toBeGreaterThanOrEqual(1_500);
      expect(delivered[1].attributes['delay_task.lateness_ms']).toBeLessThan(1_000);

      const byName = await collected();
      const deliveriesTotal = byName.get('delay_task_deliveries_total');
      expect(
        point(deliveriesTotal, { pattern: 'charge:*', source: 'timer', outcome: 'retrying' })
          ?.value,
      ).toBe(1);
      expect(
        point(deliveriesTotal, { pattern: 'charge:*', source: 'timer', outcome: 'completed' })
          ?.value,
      ).toBe(1);
      expect(point(byName.get('delay_task_scheduled_total'))?.value).toBe(3);
      const lateness = point(byName.get('delay_task_lateness_seconds'), { source: 'scheduled' });
      expect((lateness?.value as Histogram).count).toBe(2);
      expect((lateness?.value as Histogram).buckets.boundaries[0]).toBe(0.001);
      const duration = point(byName.get('delay_task_handler_duration_seconds'), {
        pattern: 'charge:*',
        outcome: 'completed',
      });
      expect((duration?.value as Histogram).count).toBe(1);
      expect(point(byName.get('delay_task_pending'))?.value).toBe(2);
      expect(point(byName.get('delay_task_dead'))?.value).toBe(0);
      expect(point(byName.get('delay_task_in_flight'))?.value).toBe(0);
    } finally {
      raw.disconnect();
      await fixture.close();
    }
  });

  it('with tracing: false stores no trace context and starts no span', async () => {
    const deliveries = new EventCollector();
    @Injectable()
    class Quiet {
      @OnKeyExpired('quiet:*')
      handle(event: ExpiredKeyEvent) {
        deliveries.push(event);
      }
    }
    const prefix = freshPrefix();
    const fixture = await startApp({ connection: redis.url, prefix, tracing: false }, [Quiet]);
    const raw = new IORedis(redis.url);
    try {
      await tracer().startActiveSpan('POST /quiet', async (span) => {
        await fixture.tasks.schedule('quiet:1', null, { delay: 3_600_000 });
        await fixture.tasks.schedule('quiet:2', null, { delay: 0 });
        span.end();
      });
      expect(await raw.hget(new TaskKeys(prefix, 1).shards[0].tasks, 'quiet:1')).not.toContain('~');
      await deliveries.count(1);
      // Acknowledged: the delivery is over, and nothing traced it.
      await waitFor(async () => (await fixture.tasks.get('quiet:2')) === null);
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['POST /quiet']);
    } finally {
      raw.disconnect();
      await fixture.close();
    }
  });
});
