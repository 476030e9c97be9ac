/**
 * `npm run bench:metrics`: what the module's metrics cost a drain. The same
 * burst of due tasks is drained by an app with metrics off (`metrics: false`)
 * and by one with them on (prom-client, scraped every 500 ms, and the
 * OpenTelemetry metrics API with a real SDK meter provider), in interleaved
 * repetitions (the order alternating) so a noisy machine slows both alike.
 * Tracing is off in both: this measures metrics. It starts a redis-server of
 * its own, prints a table and exits; it is a figure, not a pass/fail test.
 *
 * TASKS and REPETITIONS (environment) change the burst and the repetitions.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { metrics as otelMetrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { DelayTaskModule, DelayTaskModuleOptions, DelayTaskService, OnKeyExpired } from '../lib';
import { RedisServer } from '../lib/testing/redis-server';
import { formatInt } from './format';
import { table } from './markdown-table';

const TASKS = Number(process.env.TASKS ?? 20_000);
const REPETITIONS = Number(process.env.REPETITIONS ?? 7);
/** Scheduling is done well before the burst is due. */
const DUE_IN_MS = 1_500;
const SCRAPE_EVERY_MS = 500;

type Variant = 'off' | 'on';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Counts deliveries and resolves once `expected` arrived; the handler itself does nothing. */
class DrainCounter {
  private count = 0;
  private expected = 0;
  private firstAt = 0;
  private done?: (ms: number) => void;

  expect(n: number): Promise<number> {
    this.count = 0;
    this.expected = n;
    return new Promise((resolve) => (this.done = resolve));
  }

  delivered(): void {
    if (this.count++ === 0) this.firstAt = performance.now();
    if (this.count === this.expected) this.done?.(performance.now() - this.firstAt);
  }
}

function drainModule(counter: DrainCounter) {
  @Injectable()
  class DrainHandler {
    @OnKeyExpired('drain:*')
    handle(): void {
      counter.delivered();
    }
  }
  @Module({ providers: [DrainHandler] })
  class DrainBenchModule {}
  return DrainBenchModule;
}

async function startVariant(url: string, variant: Variant) {
  const counter = new DrainCounter();
  const registry = new Registry();
  const options: DelayTaskModuleOptions = {
    connection: url,
    prefix: `bench-${variant}`,
    keyspaceEvents: false,
    tracing: false,
    metrics: variant === 'on' ? { prometheus: { registry } } : false,
  };
  const app = await NestFactory.createApplicationContext(
    { module: drainModule(counter), imports: [DelayTaskModule.forRoot(options)] },
    { logger: ['error', 'warn'] },
  );
  return { app, tasks: app.get(DelayTaskService), counter, registry };
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: SCRAPE_EVERY_MS,
  });
  otelMetrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const variants = {
    off: await startVariant(server.url, 'off'),
    on: await startVariant(server.url, 'on'),
  };
  const rates: Record<Variant, number[]> = { off: [], on: [] };
  try {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const order: Variant[] = rep % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const variant of order) {
        const { tasks, counter, registry } = variants[variant];
        const at = Date.now() + DUE_IN_MS;
        const drained = counter.expect(TASKS);
        await tasks.scheduleMany(
          Array.from({ length: TASKS }, (_, i) => ({ key: `drain:${rep}:${i}`, payload: i, at })),
        );
        const scraper =
          variant === 'on'
            ? setInterval(() => void registry.metrics(), SCRAPE_EVERY_MS)
            : undefined;
        const ms = await drained;
        clearInterval(scraper);
        rates[variant].push((TASKS / ms) * 1000);
        console.log(`rep ${rep + 1} ${variant}: ${formatInt((TASKS / ms) * 1000)} tasks/s`);
      }
    }
  } finally {
    await variants.off.app.close();
    await variants.on.app.close();
    await reader.shutdown();
    await server.stop();
  }
  const off = median(rates.off);
  const on = median(rates.on);
  const pairs = rates.on.map((rate, i) => (rate / rates.off[i] - 1) * 100);
  const spread = (values: number[]) =>
    `${formatInt(Math.min(...values))}–${formatInt(Math.max(...values))}`;
  console.log(
    `\n${formatInt(TASKS)} due tasks per drain, ${REPETITIONS} interleaved repetitions per variant\n`,
  );
  console.log(
    table(
      ['metrics', 'median drain tasks/s', 'range'],
      [
        ['off', formatInt(off), spread(rates.off)],
        ['on (prom-client scraped + OpenTelemetry SDK)', formatInt(on), spread(rates.on)],
      ],
      ['l', 'r', 'r'],
    ),
  );
  console.log(
    `\nmetrics on vs off: ${((on / off - 1) * 100).toFixed(1)} % (median of rates); ` +
      `paired repetitions ${pairs.map((p) => `${p.toFixed(1)} %`).join(', ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
