/**
 * `npm run bench:metrics`: what the module's metrics cost a drain. The same
 * burst of due tasks is drained by an app with metrics off (`metrics: false`),
 * one with Prometheus metrics (prom-client, scraped every 500 ms) and one with
 * OpenTelemetry's too (a real SDK meter provider, collected every 500 ms), in
 * interleaved repetitions (the order rotating) so a noisy machine slows all
 * alike.
 * Tracing is off in both: this measures metrics. Besides the drain rate it
 * reports this process' CPU time per task, which a loaded machine disturbs
 * less than the wall time. It starts a redis-server of
 * its own, prints a table and exits; it is a figure, not a pass/fail test.
 *
 * TASKS, REPETITIONS and SCRAPE_EVERY_MS (environment) change the burst, the
 * repetitions and the collection period (0: no collection during the drains).
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
/** How often the Prometheus registry is scraped and the OpenTelemetry reader collects; 0: never. */
const SCRAPE_EVERY_MS = Number(process.env.SCRAPE_EVERY_MS ?? 500);

type Variant = 'off' | 'prometheus' | 'otel';
const VARIANTS: readonly Variant[] = ['off', 'prometheus', 'otel'];
const LABELS: Record<Variant, string> = {
  off: 'off',
  prometheus: 'prom-client, scraped',
  otel: 'prom-client + OpenTelemetry SDK',
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One drain: wall time and this process' CPU time from the first delivery to the last. */
interface Drain {
  ms: number;
  cpuMicros: number;
}

/** Counts deliveries and resolves once `expected` arrived; the handler itself does nothing. */
class DrainCounter {
  private count = 0;
  private expected = 0;
  private firstAt = 0;
  private firstCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private done?: (drain: Drain) => void;

  expect(n: number): Promise<Drain> {
    this.count = 0;
    this.expected = n;
    return new Promise((resolve) => (this.done = resolve));
  }

  delivered(): void {
    if (this.count++ === 0) {
      this.firstAt = performance.now();
      this.firstCpu = process.cpuUsage();
    }
    if (this.count === this.expected) {
      const cpu = process.cpuUsage(this.firstCpu);
      this.done?.({ ms: performance.now() - this.firstAt, cpuMicros: cpu.user + cpu.system });
    }
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
    metrics:
      variant === 'off' ? false : { prometheus: { registry }, openTelemetry: variant === 'otel' },
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
    exportIntervalMillis: SCRAPE_EVERY_MS || 3_600_000,
  });
  otelMetrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const variants = {
    off: await startVariant(server.url, 'off'),
    prometheus: await startVariant(server.url, 'prometheus'),
    otel: await startVariant(server.url, 'otel'),
  };
  const rates: Record<Variant, number[]> = { off: [], prometheus: [], otel: [] };
  const cpuPerTask: Record<Variant, number[]> = { off: [], prometheus: [], otel: [] };
  try {
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length]);
      for (const variant of order) {
        const { tasks, counter, registry } = variants[variant];
        const at = Date.now() + DUE_IN_MS;
        const drained = counter.expect(TASKS);
        await tasks.scheduleMany(
          Array.from({ length: TASKS }, (_, i) => ({ key: `drain:${rep}:${i}`, payload: i, at })),
        );
        const scraper =
          variant === 'off' || SCRAPE_EVERY_MS === 0
            ? undefined
            : setInterval(() => void registry.metrics(), SCRAPE_EVERY_MS);
        const { ms, cpuMicros } = await drained;
        clearInterval(scraper);
        rates[variant].push((TASKS / ms) * 1000);
        cpuPerTask[variant].push(cpuMicros / TASKS);
        console.log(
          `rep ${rep + 1} ${variant}: ${formatInt((TASKS / ms) * 1000)} tasks/s, ` +
            `${(cpuMicros / TASKS).toFixed(1)} µs CPU per task`,
        );
      }
    }
  } finally {
    for (const variant of VARIANTS) await variants[variant].app.close();
    await reader.shutdown();
    await server.stop();
  }
  const spread = (values: number[]) =>
    `${formatInt(Math.min(...values))}–${formatInt(Math.max(...values))}`;
  const versusOff = (variant: Variant, values: Record<Variant, number[]>) =>
    `${((median(values[variant]) / median(values.off) - 1) * 100).toFixed(1)} %`;
  console.log(
    `\n${formatInt(TASKS)} due tasks per drain, ${REPETITIONS} interleaved repetitions per variant\n`,
  );
  console.log(
    table(
      [
        'metrics',
        'median drain tasks/s',
        'range',
        'vs off',
        'median Node CPU µs/task',
        'vs off',
        'least CPU µs/task',
      ],
      VARIANTS.map((variant) => [
        LABELS[variant],
        formatInt(median(rates[variant])),
        spread(rates[variant]),
        variant === 'off' ? '' : versusOff(variant, rates),
        median(cpuPerTask[variant]).toFixed(1),
        variant === 'off' ? '' : versusOff(variant, cpuPerTask),
        Math.min(...cpuPerTask[variant]).toFixed(1),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
