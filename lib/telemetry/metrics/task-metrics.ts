import { LatenessHistogram, LatenessKind } from '../lateness-histogram';
import { GaugeReader, GaugeValues } from './gauge-reader';
import { LabelledCounter, LabelledHistogram } from './labelled-values';
import { HANDLER_DURATION_BUCKETS_SECONDS } from './metric-definitions';

/** How a delivery of a scheduled task ended, as the `outcome` label says it. */
export type DeliveryOutcomeLabel = 'completed' | 'retrying' | 'dead';

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
  /** pattern, source, outcome */
  readonly deliveries = new LabelledCounter();
  /** pattern */
  readonly deadLettered = new LabelledCounter();
  /** pattern */
  readonly keyspaceEvents = new LabelledCounter();
  /** pattern, outcome */
  readonly handlerDuration = new LabelledHistogram(HANDLER_DURATION_BUCKETS_SECONDS);
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

  /** Counts one finished delivery of a scheduled task. */
  delivered(
    pattern: string,
    source: string,
    outcome: DeliveryOutcomeLabel,
    durationSeconds: number,
  ): void {
    this.deliveries.inc([pattern, source, outcome]);
    if (outcome === 'dead') this.deadLettered.inc([pattern]);
    this.handlerDuration.observe([pattern, outcome], durationSeconds);
    for (const sink of this.sinks) sink.handlerDuration(pattern, outcome, durationSeconds);
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
