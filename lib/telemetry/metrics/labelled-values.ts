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
