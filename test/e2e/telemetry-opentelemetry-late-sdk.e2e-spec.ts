/**
 * `@opentelemetry/api` installed but no SDK registered when the app is
 * created: by default the module leaves OpenTelemetry alone (its no-op calls
 * would still cost every delivery), and `tracing: true` binds to the API
 * anyway, so a tracer provider registered later receives the spans. (The
 * OpenTelemetry metrics API has no proxy: a meter taken before an SDK exists
 * stays a no-op, so metrics need the SDK first either way.)
 */
import { Injectable } from '@nestjs/common';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { DelayTaskModuleOptions, ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { EventCollector, FixtureApp, freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

describe('OpenTelemetry registered after the app was created', () => {
  let redis: RedisServer;
  let fixture: FixtureApp | undefined;
  let reader: PeriodicExportingMetricReader;
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis.stop());
  beforeEach(() => {
    spans.reset();
    reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 3_600_000,
    });
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    await reader.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  });

  /** Starts the app with no SDK registered, registers one, and runs one task. */
  async function deliverOneAfterLateSdk(options: Partial<DelayTaskModuleOptions>): Promise<void> {
    const deliveries = new EventCollector();
    @Injectable()
    class Jobs {
      @OnKeyExpired('job:*')
      run(event: ExpiredKeyEvent) {
        deliveries.push(event);
      }
    }
    fixture = await startApp({ connection: redis.url, prefix: freshPrefix(), ...options }, [Jobs]);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    );
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    await fixture.tasks.schedule('job:1', null, { delay: 0 });
    await deliveries.count(1);
  }

  /** Names of the module's metrics the SDK collects now. */
  async function moduleMetricNames(): Promise<string[]> {
    metricExporter.reset();
    await reader.forceFlush();
    return metricExporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics)
      .filter((scope) => scope.scope.name === 'nestjs-delay-task')
      .flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name));
  }

  it('by default: no span and no metric from the module', async () => {
    await deliverOneAfterLateSdk({});
    expect(await moduleMetricNames()).toEqual([]);
    // A delivery span, had there been one, ends before the app has closed.
    await fixture!.close();
    fixture = undefined;
    expect(spans.getFinishedSpans().map((span) => span.name)).toEqual([]);
  });

  it('with tracing: true: the tracer provider registered later receives the delivery span', async () => {
    await deliverOneAfterLateSdk({ tracing: true });
    await waitFor(
      () => spans.getFinishedSpans().some((span) => span.name === 'process job:*'),
      5_000,
      'the delivery span',
    );
  });
});
