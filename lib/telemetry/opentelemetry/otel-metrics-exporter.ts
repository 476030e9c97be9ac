import type * as OTelApi from '@opentelemetry/api';
import type {
  Attributes,
  BatchObservableCallback,
  Histogram,
  Observable,
} from '@opentelemetry/api';
import { LatenessKind } from '../lateness-histogram';
import { LabelledCount } from '../metrics/labelled-values';
import { GAUGES, METRICS, MetricDefinition } from '../metrics/metric-definitions';
import { DeliveryOutcomeLabel, HistogramSink, TaskMetrics } from '../metrics/task-metrics';
import { INSTRUMENTATION_NAME } from '../tracing/delivery-tracer';

function attributesOf(definition: MetricDefinition, values: readonly string[]): Attributes {
  const attributes: Attributes = {};
  definition.labels.forEach((name, i) => (attributes[name] = values[i]));
  return attributes;
}

/**
 * Reports the module's metric set through the OpenTelemetry metrics API
 * (a no-op until the app registers an SDK). Counters and gauges are
 * observable instruments read from the metric set at collection; the two
 * histograms are recorded as observations happen, the API having no
 * asynchronous histogram.
 */
export class OpenTelemetryMetricsExporter {
  private readonly removeSink: () => void;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  private readonly meter: OTelApi.Meter;

  constructor(api: typeof OTelApi, metrics: TaskMetrics) {
    const meter = api.metrics.getMeter(INSTRUMENTATION_NAME);
    this.meter = meter;
    const histogram = (definition: MetricDefinition): Histogram =>
      meter.createHistogram(definition.name, {
        description: definition.help,
        unit: definition.unit,
        advice: { explicitBucketBoundaries: [...(definition.buckets ?? [])] },
      });
    const lateness = histogram(METRICS.lateness);
    const handlerDuration = histogram(METRICS.handlerDuration);
    // NOTE: one attributes object per label combination, reused: the SDK's cost per record is
    // mostly its handling of the attributes, and a fresh object each time doubles it.
    const latenessAttributes: Record<LatenessKind, Attributes> = {
      scheduled: { source: 'scheduled' },
      keyspace: { source: 'keyspace' },
    };
    const durationAttributes = new Map<string, Attributes>();
    const sink: HistogramSink = {
      lateness: (kind: LatenessKind, seconds: number) =>
        lateness.record(seconds, latenessAttributes[kind]),
      handlerDuration: (pattern: string, outcome: DeliveryOutcomeLabel, seconds: number) => {
        const id = `${outcome}:${pattern}`;
        let attributes = durationAttributes.get(id);
        if (!attributes) durationAttributes.set(id, (attributes = { pattern, outcome }));
        handlerDuration.record(seconds, attributes);
      },
    };
    this.removeSink = metrics.addSink(sink);

    const counters: Array<[MetricDefinition, () => LabelledCount[]]> = [
      [METRICS.scheduled, () => metrics.scheduled.values()],
      [METRICS.deliveries, () => metrics.deliveries()],
      [METRICS.deadLettered, () => metrics.deadLettered()],
      [METRICS.keyspaceEvents, () => metrics.keyspaceEvents.values()],
    ];
    const counterInstruments = counters.map(([definition, values]) => ({
      definition,
      values,
      instrument: meter.createObservableCounter(definition.name, { description: definition.help }),
    }));
    const gaugeInstruments = GAUGES.map((gauge) => {
      const definition: MetricDefinition = METRICS[gauge];
      return {
        gauge,
        instrument: meter.createObservableGauge(definition.name, {
          description: definition.help,
          unit: definition.unit,
        }),
      };
    });
    this.callback = async (result) => {
      for (const { definition, values, instrument } of counterInstruments) {
        for (const { labels, value } of values()) {
          result.observe(instrument, value, attributesOf(definition, labels));
        }
      }
      const values = await metrics.collectGauges();
      for (const { gauge, instrument } of gaugeInstruments) {
        // NaN: Redis did not answer; an absent point says so better than a number.
        if (!Number.isNaN(values[gauge])) result.observe(instrument, values[gauge]);
      }
    };
    this.observables = [
      ...counterInstruments.map(({ instrument }) => instrument),
      ...gaugeInstruments.map(({ instrument }) => instrument),
    ];
    meter.addBatchObservableCallback(this.callback, this.observables);
  }

  /** Stops reporting (the SDK keeps the instruments; they receive nothing more). */
  close(): void {
    this.removeSink();
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }
}
