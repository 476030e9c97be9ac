import { LabelledCounter } from './labelled-values';

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
});
