import { describe, expect, it } from 'vitest';
import { addBuckets, parseBuckets, quantileBetween } from './latency-buckets.js';

const metrics = (counts: [string, number][]) =>
  [
    '# HELP wslab_publish_to_deliver_seconds x',
    '# TYPE wslab_publish_to_deliver_seconds histogram',
    ...counts.map(([le, count]) => `wslab_publish_to_deliver_seconds_bucket{le="${le}"} ${count}`),
    'wslab_publish_to_deliver_seconds_sum 1.5',
    `wslab_publish_to_deliver_seconds_count ${counts.at(-1)?.[1] ?? 0}`,
  ].join('\n');

describe('rolling latency from Prometheus buckets', () => {
  it('reads cumulative buckets and sums replicas', () => {
    const one = parseBuckets(
      metrics([
        ['0.001', 2],
        ['0.01', 5],
        ['+Inf', 6],
      ]),
      'wslab_publish_to_deliver_seconds',
    );
    expect([...one.entries()]).toEqual([
      [0.001, 2],
      [0.01, 5],
      [Number.POSITIVE_INFINITY, 6],
    ]);
    const both = addBuckets(new Map(one), one);
    expect(both.get(0.01)).toBe(10);
  });

  it('interpolates a quantile inside its bucket over the window between two readings', () => {
    const before = parseBuckets(
      metrics([
        ['0.001', 100],
        ['0.01', 100],
        ['+Inf', 100],
      ]),
      'wslab_publish_to_deliver_seconds',
    );
    // 100 new observations, all between 1 and 10 ms
    const after = parseBuckets(
      metrics([
        ['0.001', 100],
        ['0.01', 200],
        ['+Inf', 200],
      ]),
      'wslab_publish_to_deliver_seconds',
    );
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(5.5, 9);
    expect(quantileBetween(before, after, 0.99)).toBeCloseTo(9.91, 9);
    // nothing observed in the window
    expect(quantileBetween(after, after, 0.5)).toBeUndefined();
    // a restarted replica's counters start over: its new counts are the window's
    const restarted = parseBuckets(
      metrics([
        ['0.001', 4],
        ['0.01', 4],
        ['+Inf', 4],
      ]),
      'wslab_publish_to_deliver_seconds',
    );
    expect(quantileBetween(after, restarted, 0.5)).toBeCloseTo(0.5, 9);
  });
});
