import { LabelledCount, LabelledDistribution } from './labelled-values';

/** What delivered a scheduled task and how it ended, as the labels say it. */
export const DELIVERY_SOURCES = ['timer', 'recovery'] as const;
export const DELIVERY_OUTCOMES = ['completed', 'retrying', 'dead', 'skipped', 'aborted'] as const;
export type DeliverySourceLabel = (typeof DELIVERY_SOURCES)[number];
export type DeliveryOutcomeLabel = (typeof DELIVERY_OUTCOMES)[number];

const OUTCOME_INDEX: Readonly<Record<DeliveryOutcomeLabel, number>> = {
  completed: 0,
  retrying: 1,
  dead: 2,
  skipped: 3,
  aborted: 4,
};

interface Distribution {
  buckets: number[];
  count: number;
  sum: number;
}

/**
 * The delivery counts and handler durations of one handler pattern, in
 * fixed slots: recording a delivery builds no label string and allocates
 * nothing, which matters in a burst of tens of thousands a second.
 */
export class DeliverySeries {
  /** Index `source * outcomes + outcome`. */
  private readonly counts = new Array<number>(
    DELIVERY_SOURCES.length * DELIVERY_OUTCOMES.length,
  ).fill(0);
  /** Per outcome; buckets non-cumulative. */
  private readonly durations: Distribution[];

  constructor(
    readonly pattern: string,
    private readonly bounds: readonly number[],
  ) {
    this.durations = DELIVERY_OUTCOMES.map(() => ({
      buckets: bounds.map(() => 0),
      count: 0,
      sum: 0,
    }));
  }

  record(source: DeliverySourceLabel, outcome: DeliveryOutcomeLabel, seconds: number): void {
    const o = OUTCOME_INDEX[outcome];
    this.counts[(source === 'timer' ? 0 : 1) * DELIVERY_OUTCOMES.length + o] += 1;
    const duration = this.durations[o];
    duration.count += 1;
    duration.sum += seconds;
    const { bounds } = this;
    for (let slot = 0; slot < bounds.length; slot++) {
      if (seconds <= bounds[slot]) {
        duration.buckets[slot] += 1;
        return;
      }
    }
  }

  /** pattern, source, outcome: the combinations seen so far. */
  deliveries(): LabelledCount[] {
    const values: LabelledCount[] = [];
    DELIVERY_SOURCES.forEach((source, s) =>
      DELIVERY_OUTCOMES.forEach((outcome, o) => {
        const value = this.counts[s * DELIVERY_OUTCOMES.length + o];
        if (value > 0) values.push({ labels: [this.pattern, source, outcome], value });
      }),
    );
    return values;
  }

  /** Dead letters: the deliveries whose outcome was `dead`. */
  deadLettered(): number {
    return DELIVERY_SOURCES.reduce(
      (sum, _source, s) => sum + this.counts[s * DELIVERY_OUTCOMES.length + OUTCOME_INDEX.dead],
      0,
    );
  }

  /** pattern, outcome: cumulative buckets of the outcomes seen so far. */
  durationsByOutcome(): LabelledDistribution[] {
    const values: LabelledDistribution[] = [];
    DELIVERY_OUTCOMES.forEach((outcome, o) => {
      const { buckets, count, sum } = this.durations[o];
      if (count === 0) return;
      let running = 0;
      values.push({
        labels: [this.pattern, outcome],
        buckets: buckets.map((n) => (running += n)),
        count,
        sum,
      });
    });
    return values;
  }
}
