import { performance } from 'node:perf_hooks';
import { UnsignalledEvent } from '../routing/delivery-control';
import { ClaimedTask } from '../store/task-store';
import { LatenessHistogram } from './lateness-histogram';
import { DeliverySeries } from './metrics/delivery-series';
import { DeliveryOutcomeLabel, DeliverySourceLabel, TaskMetrics } from './metrics/task-metrics';
import { DeliverySpan, DeliveryTracer } from './tracing/delivery-tracer';

/** One delivery as telemetry follows it: its handlers run inside `run`, then `end` says how it went. */
export interface TrackedDelivery {
  run<T>(work: () => T): T;
  end(outcome: DeliveryOutcomeLabel, error?: string): void;
}

/** With metrics and tracing off a delivery costs its lateness count and nothing more. */
const UNTRACKED: TrackedDelivery = {
  run: (work) => work(),
  end: () => undefined,
};

/**
 * What the task runner tells telemetry about each delivery of a scheduled
 * task: its lateness (always, into the in-process `LatenessHistogram`), and,
 * where configured, its metrics and its span.
 */
export class DeliveryTelemetry {
  constructor(
    private readonly lateness: LatenessHistogram,
    private readonly patternOf: (key: string) => string | undefined,
    private readonly metrics?: TaskMetrics,
    private readonly tracer?: DeliveryTracer,
  ) {}

  /**
   * Starts following a delivery. Lateness is measured from the moment the
   * delivery became claimable (due time, retry time or lease expiry), on
   * Redis' clock like `event.firedAt`.
   */
  begin(task: ClaimedTask, event: UnsignalledEvent): TrackedDelivery {
    const latenessMs = event.firedAt - task.claimableAt;
    if (this.metrics) this.metrics.observeLateness('scheduled', latenessMs);
    else this.lateness.observe('scheduled', latenessMs);
    if (!this.metrics && !this.tracer) return UNTRACKED;
    const pattern = this.patternOf(task.key) ?? '';
    const span = this.tracer?.startDelivery({
      event,
      pattern,
      latenessMs: Math.max(0, latenessMs),
      origin: task.record.extensions.trace,
    });
    if (!this.metrics && !span) return UNTRACKED;
    // A scheduled delivery's source is never 'keyspace'.
    const source = event.source as DeliverySourceLabel;
    return new Delivery(source, this.metrics, this.metrics?.seriesOf(pattern), span);
  }
}

class Delivery implements TrackedDelivery {
  private readonly startedAt = performance.now();

  constructor(
    private readonly source: DeliverySourceLabel,
    private readonly metrics: TaskMetrics | undefined,
    private readonly series: DeliverySeries | undefined,
    private readonly span: DeliverySpan | undefined,
  ) {}

  run<T>(work: () => T): T {
    return this.span ? this.span.run(work) : work();
  }

  end(outcome: DeliveryOutcomeLabel, error?: string): void {
    if (this.metrics && this.series) {
      const seconds = (performance.now() - this.startedAt) / 1000;
      this.metrics.delivered(this.series, this.source, outcome, seconds);
    }
    this.span?.end(outcome, error);
  }
}
