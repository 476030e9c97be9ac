import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { PrometheusRegistry } from '../../interfaces/telemetry-options.interface';
import { LATENESS_BUCKETS_SECONDS, LatenessKind } from '../lateness-histogram';
import { LabelledCount, LabelledDistribution } from '../metrics/labelled-values';
import { GAUGES, METRICS, MetricDefinition } from '../metrics/metric-definitions';
import { TaskMetrics } from '../metrics/task-metrics';

/** A sample as prom-client's registry formats it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * A metric as prom-client's `Registry` reads it (`registerMetric`, then
 * `get()` on every scrape): its values are computed from the module's metric
 * set when scraped, so a delivery costs prom-client nothing.
 */
interface CollectedMetric {
  name: string;
  help: string;
  type: MetricDefinition['type'];
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: MetricDefinition['type'];
    aggregator: 'sum';
    values: Sample[];
  }>;
}

function collected(definition: MetricDefinition, values: () => Promise<Sample[]> | Sample[]) {
  const metric: CollectedMetric = {
    name: definition.name,
    help: definition.help,
    type: definition.type,
    aggregator: 'sum',
    get: async () => ({
      // prom-client renames an OpenMetrics counter in place: report the name it holds.
      name: metric.name,
      help: metric.help,
      type: metric.type,
      aggregator: 'sum',
      values: await values(),
    }),
  };
  return metric;
}

function labelsOf(definition: MetricDefinition, values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  definition.labels.forEach((name, i) => (labels[name] = values[i]));
  return labels;
}

function counterSamples(definition: MetricDefinition, counts: LabelledCount[]): Sample[] {
  return counts.map(({ labels, value }) => ({ labels: labelsOf(definition, labels), value }));
}

function histogramSamples(
  definition: MetricDefinition,
  bounds: readonly number[],
  distributions: LabelledDistribution[],
): Sample[] {
  const samples: Sample[] = [];
  for (const { labels, buckets, count, sum } of distributions) {
    const base = labelsOf(definition, labels);
    const bucket = `${definition.name}_bucket`;
    bounds.forEach((le, i) => {
      samples.push({ labels: { ...base, le }, value: buckets[i], metricName: bucket });
    });
    samples.push({ labels: { ...base, le: '+Inf' }, value: count, metricName: bucket });
    samples.push({ labels: base, value: sum, metricName: `${definition.name}_sum` });
    samples.push({ labels: base, value: count, metricName: `${definition.name}_count` });
  }
  return samples;
}

/**
 * Registers the module's metric set in a prom-client registry, and removes it
 * again on shutdown.
 */
export class PrometheusExporter {
  private readonly names: string[] = [];

  constructor(
    private readonly registry: PrometheusRegistry,
    metrics: TaskMetrics,
  ) {
    const lateness = (): LabelledDistribution[] => {
      const snapshot = metrics.lateness.snapshot();
      return (Object.keys(snapshot) as LatenessKind[]).map((kind) => ({
        labels: [kind],
        buckets: snapshot[kind].buckets,
        count: snapshot[kind].count,
        sum: snapshot[kind].sumSeconds,
      }));
    };
    const all: CollectedMetric[] = [
      collected(METRICS.scheduled, () =>
        counterSamples(METRICS.scheduled, metrics.scheduled.values()),
      ),
      collected(METRICS.deliveries, () => counterSamples(METRICS.deliveries, metrics.deliveries())),
      collected(METRICS.deadLettered, () =>
        counterSamples(METRICS.deadLettered, metrics.deadLettered()),
      ),
      collected(METRICS.keyspaceEvents, () =>
        counterSamples(METRICS.keyspaceEvents, metrics.keyspaceEvents.values()),
      ),
      collected(METRICS.lateness, () =>
        histogramSamples(METRICS.lateness, LATENESS_BUCKETS_SECONDS, lateness()),
      ),
      collected(METRICS.handlerDuration, () =>
        histogramSamples(
          METRICS.handlerDuration,
          metrics.handlerDurationBounds,
          metrics.handlerDuration(),
        ),
      ),
      ...GAUGES.map((gauge) =>
        collected(METRICS[gauge], async () => [
          { labels: {}, value: (await metrics.collectGauges())[gauge] },
        ]),
      ),
    ];
    try {
      for (const metric of all) {
        registry.registerMetric(metric as never);
        this.names.push(metric.name);
      }
    } catch (error) {
      this.close();
      throw new InvalidOptionsError(
        `metrics.prometheus: could not register the metrics (${String(error)}). Two ` +
          'DelayTaskModule apps in one process need a registry each: pass { registry }.',
      );
    }
  }

  /** Removes the metrics from the registry. */
  close(): void {
    for (const name of this.names.splice(0)) this.registry.removeSingleMetric(name);
  }
}
