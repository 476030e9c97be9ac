/** One label combination's values, labels in the order of the metric's definition. */
export interface LabelledCount {
  labels: readonly string[];
  value: number;
}

export interface LabelledDistribution {
  labels: readonly string[];
  /** Cumulative: `buckets[i]` observations at most `bounds[i]`. */
  buckets: number[];
  count: number;
  sum: number;
}

/** NUL cannot occur in a glob pattern the module accepts or in its fixed label values. */
const SEPARATOR = '\u0000';

/**
 * A counter per label combination, in process: a delivery costs a string
 * join and a Map lookup; exporters read the totals when they collect.
 */
export class LabelledCounter {
  private readonly counts = new Map<string, LabelledCount>();

  inc(labels: readonly string[], by = 1): void {
    const id = labels.join(SEPARATOR);
    const entry = this.counts.get(id);
    if (entry) entry.value += by;
    else this.counts.set(id, { labels, value: by });
  }

  values(): LabelledCount[] {
    return [...this.counts.values()].map(({ labels, value }) => ({ labels, value }));
  }
}

/** A histogram per label combination, in process: an observation touches one bucket slot. */
export class LabelledHistogram {
  private readonly distributions = new Map<string, LabelledDistribution>();

  constructor(readonly bounds: readonly number[]) {}

  observe(labels: readonly string[], value: number): void {
    const id = labels.join(SEPARATOR);
    let entry = this.distributions.get(id);
    if (!entry) {
      entry = { labels, buckets: this.bounds.map(() => 0), count: 0, sum: 0 };
      this.distributions.set(id, entry);
    }
    entry.count += 1;
    entry.sum += value;
    // Non-cumulative here, so an observation touches one slot; values() accumulates.
    const { bounds } = this;
    for (let slot = 0; slot < bounds.length; slot++) {
      if (value <= bounds[slot]) {
        entry.buckets[slot] += 1;
        return;
      }
    }
  }

  values(): LabelledDistribution[] {
    return [...this.distributions.values()].map(({ labels, buckets, count, sum }) => {
      let running = 0;
      return { labels, buckets: buckets.map((n) => (running += n)), count, sum };
    });
  }
}
