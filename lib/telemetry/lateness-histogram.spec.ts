import { LATENESS_BUCKETS_SECONDS, LatenessHistogram, latenessKind } from './lateness-histogram';

describe('LatenessHistogram', () => {
  it('counts cumulatively, per kind, with overflow past an hour kept in count and sum', () => {
    const histogram = new LatenessHistogram();
    histogram.observe('scheduled', 0.4); // ≤ 1 ms
    histogram.observe('scheduled', 3); // ≤ 5 ms
    histogram.observe('scheduled', -2); // clock noise: on time
    histogram.observe('scheduled', 2 * 3_600_000); // past the last bound
    histogram.observe('keyspace', 700); // ≤ 1 s

    const { scheduled, keyspace } = histogram.snapshot();
    const at = (seconds: number) => LATENESS_BUCKETS_SECONDS.indexOf(seconds);
    expect(scheduled.buckets[at(0.001)]).toBe(2);
    expect(scheduled.buckets[at(0.0025)]).toBe(2);
    expect(scheduled.buckets[at(0.005)]).toBe(3);
    expect(scheduled.buckets[at(3600)]).toBe(3);
    expect(scheduled.count).toBe(4);
    expect(scheduled.sumSeconds).toBeCloseTo(0.0004 + 0.003 + 7200, 6);
    expect(keyspace.buckets[at(0.5)]).toBe(0);
    expect(keyspace.buckets[at(1)]).toBe(1);
    expect(keyspace.count).toBe(1);
  });

  it('files plain keys apart from scheduled deliveries', () => {
    expect(latenessKind('keyspace')).toBe('keyspace');
    expect(latenessKind('timer')).toBe('scheduled');
    expect(latenessKind('recovery')).toBe('scheduled');
  });
});
