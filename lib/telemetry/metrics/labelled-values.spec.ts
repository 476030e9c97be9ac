import { LabelledCounter, LabelledHistogram } from './labelled-values';

describe('labelled metric values', () => {
  it('counts per label combination', () => {
    const counter = new LabelledCounter();
    counter.inc(['a:*', 'timer', 'completed']);
    counter.inc(['a:*', 'timer', 'completed']);
    counter.inc(['a:*', 'recovery', 'completed'], 3);
    expect(counter.values()).toEqual([
      { labels: ['a:*', 'timer', 'completed'], value: 2 },
      { labels: ['a:*', 'recovery', 'completed'], value: 3 },
    ]);
  });

  it('keeps cumulative buckets, count and sum per label combination', () => {
    const histogram = new LabelledHistogram([0.01, 0.1, 1]);
    histogram.observe(['a:*'], 0.005);
    histogram.observe(['a:*'], 0.5);
    histogram.observe(['a:*'], 7); // past the last bound: in count and sum only
    histogram.observe(['b:*'], 0.05);
    const [a, b] = histogram.values();
    expect(a).toEqual({ labels: ['a:*'], buckets: [1, 1, 2], count: 3, sum: 7.505 });
    expect(b).toEqual({ labels: ['b:*'], buckets: [0, 1, 1], count: 1, sum: 0.05 });
  });
});
