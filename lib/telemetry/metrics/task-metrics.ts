import { LatenessHistogram, LatenessKind } from '../lateness-histogram';
import { GaugeReader, GaugeValues } from './gauge-reader';
import { DeliveryOutcomeLabel, DeliverySeries, DeliverySourceLabel } from './delivery-series';
import { LabelledCount, LabelledCounter, LabelledDistribution } from './labelled-values';
import { HANDLER_DURATION_BUCKETS_SECONDS } from './metric-definitions';

export type { DeliveryOutcomeLabel, DeliverySourceLabel };

/**
 * Told of every histogram observation, for an exporter whose histograms are
 * recorded as they happen (OpenTelemetry has no asynchronous histogram).
 */
export interface HistogramSink {
  lateness(kind: LatenessKind, seconds: number): void;
  handlerDuration(pattern: string, outcome: DeliveryOutcomeLabel, seconds: number): void;
}

/**
 * The module's one metric set (names and labels in `metric-definitions.ts`),
 * kept in process: counters and histograms are array and Map increments, the
 * gauges are read from Redis when an exporter collects. Both exporters read
 * it; neither is needed for it to count.
 */
export class TaskMetrics {
  readonly scheduled = new LabelledCounter();
  /** pattern */
  readonly keyspaceEvents = new LabelledCounter();
  readonly handlerDurationBounds = HANDLER_DURATION_BUCKETS_SECONDS;
  /** Deliveries and handler durations, by handler pattern. */
  private readonly series = new Map<string, DeliverySeries>();
  private readonly sinks = new Set<HistogramSink>();

  constructor(
    /** The module's lateness store, shared with the dashboard. */
    readonly lateness: LatenessHistogram,
    private readonly gauges: GaugeReader,
  ) {}

  observeLateness(kind: LatenessKind, latenessMs: number): void {
    this.lateness.observe(kind, latenessMs);
    const seconds = Math.max(0, latenessMs) / 1000;
    for (const sink of this.sinks) sink.lateness(kind, seconds);
  }

  /** Where the deliveries of one handler pattern are counted (`''`: none matched). */
  seriesOf(pattern: string): DeliverySeries {
    let series = this.series.get(pattern);
    if (!series) {
      series = new DeliverySeries(pattern, HANDLER_DURATION_BUCKETS_SECONDS);
      this.series.set(pattern, series);
    }
    return series;
  }

  /** Counts one finished delivery of a scheduled task. */
  delivered(
    series: DeliverySeries,
    source: DeliverySourceLabel,
    outcome: DeliveryOutcomeLabel,
    durationSeconds: number,
  ): void {
    series.record(source, outcome, durationSeconds);
    for (const sink of this.sinks) sink.handlerDuration(series.pattern, outcome, durationSeconds);
  }

  /** delay_task_deliveries_total: pattern, source, outcome. */
  deliveries(): LabelledCount[] {
    return [...this.series.values()].flatMap((series) => series.deliveries());
  }

  /** delay_task_dead_lettered_total: pattern. */
  deadLettered(): LabelledCount[] {
    return [...this.series.values()]
      .map((series) => ({ labels: [series.pattern], value: series.deadLettered() }))
      .filter(({ value }) => value > 0);
  }

  /** delay_task_handler_duration_seconds: pattern, outcome. */
  handlerDuration(): LabelledDistribution[] {
    return [...this.series.values()].flatMap((series) => series.durationsByOutcome());
  }

  /** Reads the gauges: one read per collection, however many gauges ask. */
  collectGauges(): Promise<GaugeValues> {
    return this.gauges.read();
  }

  /** Adds a sink; returns what removes it. */
  addSink(sink: HistogramSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}
