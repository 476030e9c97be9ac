import type * as OTelApi from '@opentelemetry/api';
import type * as PromClient from 'prom-client';
import type { Cluster, Redis } from 'ioredis';
import { Switch, ResolvedTelemetryOptions } from '../validation/telemetry-options.validation';
import { DeliveryTelemetry } from './delivery-telemetry';
import { KeyspaceProbe } from './keyspace-probe';
import { LatenessHistogram } from './lateness-histogram';
import { GaugeReader } from './metrics/gauge-reader';
import { TaskMetrics } from './metrics/task-metrics';
import { OpenTelemetryMetricsExporter } from './opentelemetry/otel-metrics-exporter';
import { loadIfInstalled, requireOptionalPeer } from '../optional-peers/optional-peer';
import { PrometheusExporter } from './prometheus/prometheus-exporter';
import { DeliveryTracer } from './tracing/delivery-tracer';
import { OverdueInspector } from '../stats/overdue-inspector';
import { TaskStore } from '../store/task-store';

const OTEL_API = '@opentelemetry/api';

/** What the telemetry needs from the rest of the module. */
export interface TelemetryParts {
  options: ResolvedTelemetryOptions;
  lateness: LatenessHistogram;
  store: TaskStore;
  overdue: OverdueInspector;
  client: Redis | Cluster;
  prefix: string;
  instanceId: string;
  patternOf: (key: string) => string | undefined;
}

type OTelSignal = 'metrics' | 'tracing';

/**
 * The OpenTelemetry API for `signal`, if the module is to use it: always when
 * asked (`true`), never when told not to, and by default when the package is
 * installed and an SDK is registered for that signal.
 *
 * NOTE: without an SDK every call is a no-op, yet a burst still pays for the
 * calls (about a microsecond per delivery); `@opentelemetry/api` is often
 * installed by some other package, so an app that never set OpenTelemetry up
 * must not pay for it. OpenTelemetry's own setup registers the SDK before the
 * app is created, which is when this runs.
 */
function openTelemetryApi(
  setting: Switch,
  feature: string,
  signal: OTelSignal,
): typeof OTelApi | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'on') return requireOptionalPeer<typeof OTelApi>(OTEL_API, feature);
  const api = loadIfInstalled<typeof OTelApi>(OTEL_API);
  return api && sdkRegistered(api, signal) ? api : undefined;
}

function sdkRegistered(api: typeof OTelApi, signal: OTelSignal): boolean {
  if (signal === 'metrics') {
    // With no provider registered, every meter is the API's one no-op meter.
    return api.metrics.getMeterProvider().getMeter('nestjs-delay-task') !== api.createNoopMeter();
  }
  // The global tracer provider is a proxy; a fresh proxy's delegate is the API's no-op provider.
  const provider = api.trace.getTracerProvider();
  const noop = new api.ProxyTracerProvider().getDelegate();
  return !(provider instanceof api.ProxyTracerProvider) || provider.getDelegate() !== noop;
}

/**
 * The module's telemetry, built from its options at bootstrap: the metric
 * set and its exporters, the tracer, and what the service, the task runner
 * and the keyspace listener tell them. Optional peers are loaded here, only
 * when an option (or, for OpenTelemetry, an installed `@opentelemetry/api`)
 * asks for them (for OpenTelemetry by default: an installed `@opentelemetry/api`
 * with an SDK registered); a bad option fails the bootstrap with a named error.
 */
export class DelayTaskTelemetry {
  /** Follows each delivery of a scheduled task (the task runner's part). */
  readonly deliveries: DeliveryTelemetry;
  private readonly metrics?: TaskMetrics;
  private readonly tracer?: DeliveryTracer;
  private readonly probe?: KeyspaceProbe;
  private readonly closers: Array<() => void> = [];
  private inFlight: () => number = () => 0;
  private keyspaceListening = false;
  private readonly patternOf: (key: string) => string | undefined;

  constructor(parts: TelemetryParts) {
    const { options } = parts;
    this.patternOf = parts.patternOf;
    const otelMetricsApi = openTelemetryApi(
      options.openTelemetryMetrics,
      'metrics.openTelemetry',
      'metrics',
    );
    const promClient = options.prometheus
      ? requireOptionalPeer<typeof PromClient>('prom-client', 'metrics.prometheus')
      : undefined;
    if (promClient || otelMetricsApi) {
      const gauges = new GaugeReader(parts.store, parts.overdue, () => this.inFlight());
      this.metrics = new TaskMetrics(parts.lateness, gauges);
      const probe = new KeyspaceProbe(parts.client, parts.prefix, parts.instanceId, this.metrics);
      this.probe = probe;
      this.closers.push(gauges.onCollect(() => this.keyspaceListening && probe.send()));
      if (promClient) {
        const registry = options.prometheus?.registry ?? promClient.register;
        const exporter = new PrometheusExporter(registry, this.metrics);
        this.closers.push(() => exporter.close());
      }
      if (otelMetricsApi) {
        const exporter = new OpenTelemetryMetricsExporter(otelMetricsApi, this.metrics);
        this.closers.push(() => exporter.close());
      }
    }
    const tracingApi = openTelemetryApi(options.tracing, 'tracing', 'tracing');
    if (tracingApi) this.tracer = new DeliveryTracer(tracingApi);
    this.deliveries = new DeliveryTelemetry(
      parts.lateness,
      parts.patternOf,
      this.metrics,
      this.tracer,
    );
  }

  /** The record extension for tasks scheduled now: the active span, if tracing is on and one is active. */
  traceContext(): string | undefined {
    return this.tracer?.captureContext();
  }

  /** `count` tasks were scheduled. */
  scheduled(count: number): void {
    this.metrics?.scheduled.inc([], count);
  }

  /** A plain expired key reached this instance. */
  plainKeyExpired(key: string): void {
    this.metrics?.keyspaceEvents.inc([this.patternOf(key) ?? '']);
  }

  /** One of the module's own keys expired (a keyspace probe, perhaps). */
  ownKeyExpired(key: Buffer): void {
    this.probe?.expired(key);
  }

  /** The keyspace subscription is up: collections may probe it. */
  listeningForKeyspaceEvents(listening: boolean): void {
    this.keyspaceListening = listening;
  }

  /** Where the in-flight gauge reads from (the orchestrator's deliveries). */
  countInFlight(count: () => number): void {
    this.inFlight = count;
  }

  /** Removes the exporters' metrics on `app.close()` (a registry outlives the app). */
  onApplicationShutdown(): void {
    for (const close of this.closers.splice(0)) close();
  }
}
