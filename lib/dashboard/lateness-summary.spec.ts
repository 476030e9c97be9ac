import { InstanceInfo } from '../interfaces/instance-info.interface';
import { LATENESS_BUCKETS_SECONDS, LatenessHistogram } from '../telemetry/lateness-histogram';
import { summariseLateness } from './lateness-summary';

const instance = (id: string, lateness?: InstanceInfo['lateness']): InstanceInfo => ({
  id,
  host: 'h',
  pid: 1,
  patterns: [],
  concurrency: 1,
  inFlight: 0,
  startedAt: 0,
  lastSeenAt: 0,
  lateness,
});

const bucketOf = (seconds: number) => LATENESS_BUCKETS_SECONDS.indexOf(seconds);

describe('summariseLateness', () => {
  it('adds the instances’ histograms bucket by bucket, kind by kind', () => {
    const a = new LatenessHistogram();
    const b = new LatenessHistogram();
    [2, 2, 30].forEach((ms) => a.observe('scheduled', ms));
    b.observe('scheduled', 800);
    b.observe('keyspace', 90_000);
    const summary = summariseLateness([instance('a', a.snapshot()), instance('b', b.snapshot())]);

    expect(summary.instances).toBe(2);
    expect(summary.scheduled.count).toBe(4);
    expect(summary.scheduled.sumSeconds).toBeCloseTo(0.834);
    expect(summary.scheduled.buckets[bucketOf(0.001)]).toBe(0);
    expect(summary.scheduled.buckets[bucketOf(0.0025)]).toBe(2);
    expect(summary.scheduled.buckets[bucketOf(0.05)]).toBe(3);
    expect(summary.scheduled.buckets[bucketOf(1)]).toBe(4);
    expect(summary.keyspace.buckets[bucketOf(60)]).toBe(0);
    expect(summary.keyspace.buckets[bucketOf(300)]).toBe(1);
    expect(summary.boundsSeconds).toEqual(LATENESS_BUCKETS_SECONDS);
  });

  it('leaves out instances that carry no histogram, or one with other bounds', () => {
    const ours = new LatenessHistogram();
    ours.observe('scheduled', 5);
    const otherBounds = {
      scheduled: { buckets: [1, 1], count: 1, sumSeconds: 0.1 },
      keyspace: { buckets: [0, 0], count: 0, sumSeconds: 0 },
    };
    const summary = summariseLateness([
      instance('old'),
      instance('other', otherBounds),
      instance('ours', ours.snapshot()),
    ]);
    expect(summary.instances).toBe(1);
    expect(summary.scheduled.count).toBe(1);
    expect(summariseLateness([]).scheduled.buckets.every((count) => count === 0)).toBe(true);
  });
});
