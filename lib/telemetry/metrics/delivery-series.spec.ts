import { DeliverySeries } from './delivery-series';

describe('DeliverySeries', () => {
  it('counts deliveries by source and outcome, dead letters, and cumulative durations by outcome', () => {
    const series = new DeliverySeries('order:*', [0.01, 0.1, 1]);
    series.record('timer', 'completed', 0.005);
    series.record('timer', 'completed', 0.5);
    series.record('recovery', 'retrying', 7); // past the last bound: in count and sum only
    series.record('timer', 'dead', 0.05);
    series.record('recovery', 'dead', 0.05);

    expect(series.deliveries()).toEqual([
      { labels: ['order:*', 'timer', 'completed'], value: 2 },
      { labels: ['order:*', 'timer', 'dead'], value: 1 },
      { labels: ['order:*', 'recovery', 'retrying'], value: 1 },
      { labels: ['order:*', 'recovery', 'dead'], value: 1 },
    ]);
    expect(series.deadLettered()).toBe(2);
    expect(series.durationsByOutcome()).toEqual([
      { labels: ['order:*', 'completed'], buckets: [1, 1, 2], count: 2, sum: 0.505 },
      { labels: ['order:*', 'retrying'], buckets: [0, 0, 0], count: 1, sum: 7 },
      { labels: ['order:*', 'dead'], buckets: [0, 2, 2], count: 2, sum: 0.1 },
    ]);
  });
});
