import { describe, expect, it } from 'vitest';
import { STREAM_DEFAULTS } from '../scenarios/definition.js';
import { backoffDelayMs } from './backoff.js';
import {
  encodeHistogram,
  mergeEncoded,
  newHistogram,
  PLOT_PERCENTILES,
  recordMs,
  summarise,
} from './histogram.js';
import { resolveParams } from './index.js';
import { readStat } from './metric-values.js';
import { PUBLISHER_SHARD_MIN_DELIVERIES_PER_S, shardLayout, targetUrls } from './options.js';
import { countMissing, rangesHave, SequenceSet, toRanges } from './sequence-set.js';
import { coresBetween, ServerProbe } from './server-probe.js';
import { shardPlans } from './stream-run.js';

describe('backoff', () => {
  it('grows exponentially up to the ceiling, with full jitter', () => {
    const options = { initialMs: 100, maxMs: 1_000 };
    expect(backoffDelayMs(0, options, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, options, () => 0.999)).toBe(799);
    expect(backoffDelayMs(10, options, () => 0.999)).toBe(999);
    expect(backoffDelayMs(10, options, () => 0)).toBe(0);
  });
});

describe('sequence sets and ranges', () => {
  it('detects duplicates and tracks the highest sequence', () => {
    const set = new SequenceSet();
    expect(set.add(3)).toBe(true);
    expect(set.add(3)).toBe(false);
    expect(set.add(10_000)).toBe(true);
    expect(set.highest).toBe(10_000);
    expect(set.has(9_999)).toBe(false);
    expect(set.add(0)).toBe(false);
  });

  it('compresses acked sequences into ranges and counts what a subscriber missed', () => {
    const ranges = toRanges([5, 1, 2, 3, 7, 8]);
    expect(ranges).toEqual([
      [1, 3],
      [5, 5],
      [7, 8],
    ]);
    expect(rangesHave(ranges, 6)).toBe(false);
    expect(rangesHave(ranges, 8)).toBe(true);
    const received = new SequenceSet();
    for (const seq of [1, 3, 5, 6, 8]) received.add(seq);
    expect(countMissing(ranges, received)).toBe(2);
    expect(countMissing(ranges, undefined)).toBe(6);
  });
});

describe('histograms', () => {
  it('merges encoded histograms from several shards', () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let i = 1; i <= 100; i += 1) recordMs(a, i);
    for (let i = 101; i <= 200; i += 1) recordMs(b, i);
    const merged = summarise(mergeEncoded([encodeHistogram(a), encodeHistogram(b)]));
    expect(merged.count).toBe(200);
    expect(merged.p50).toBeCloseTo(100, 0);
    expect(merged.p99).toBeCloseTo(198, 0);
    expect(merged.max).toBeCloseTo(200, 0);
  });

  it('keeps the tail of the distribution for percentile plots (p50 … p99.99, max)', () => {
    const h = newHistogram();
    // 10 000 samples: 1 ms … 10 000 ms, so percentile p sits near p × 100 ms
    for (let i = 1; i <= 10_000; i += 1) recordMs(h, i);
    const series = summarise(h, true).percentiles ?? [];
    expect(series.map((point) => point.percentile)).toEqual([...PLOT_PERCENTILES]);
    const at = (percentile: number) => series.find((point) => point.percentile === percentile)?.ms ?? 0;
    expect(at(50)).toBeCloseTo(5_000, -1);
    expect(at(99.9)).toBeCloseTo(9_990, -1);
    expect(at(99.99)).toBeCloseTo(9_999, -1);
    expect(at(100)).toBeCloseTo(10_000, -1);
    // monotone, and distinct above p99 (not a staircase through six quantiles)
    for (let i = 1; i < series.length; i += 1)
      expect(series[i]!.ms).toBeGreaterThanOrEqual(series[i - 1]!.ms);
    expect(new Set([99, 99.5, 99.9, 99.99].map(at)).size).toBe(4);
    expect(summarise(h).percentiles).toBeUndefined();
    expect(summarise(newHistogram(), true).percentiles).toEqual([]);
  });

  it('keeps sub-millisecond resolution and clamps clock skew to zero', () => {
    const h = newHistogram();
    recordMs(h, 0.25);
    recordMs(h, -3);
    const summary = summarise(h);
    expect(summary.count).toBe(2);
    expect(summary.max).toBeCloseTo(0.25, 2);
  });
});

describe('options', () => {
  it('merges parameters over defaults and rejects unknown names', () => {
    expect(resolveParams('fanout', { subscribers: 7 })).toMatchObject({ subscribers: 7, publishers: 4 });
    expect(() => resolveParams('fanout', { subscriber: 7 } as never)).toThrow(
      "fanout: unknown parameter 'subscriber'",
    );
  });

  it('validates target URLs', () => {
    expect(targetUrls({ url: ['ws://a/ws', 'wss://b/ws'] })).toHaveLength(2);
    expect(() => targetUrls({ url: 'http://a/ws' })).toThrow('not a ws:// or wss:// URL');
    expect(() => targetUrls({ url: [] })).toThrow('at least one');
  });

  it('uses child processes beyond what one process should hold', () => {
    expect(shardLayout(500, {})).toEqual({ count: 1, inline: true, publisherShard: false });
    expect(shardLayout(5_000, {})).toEqual({ count: 2, inline: false, publisherShard: false });
    expect(shardLayout(20_000, {})).toEqual({ count: 3, inline: false, publisherShard: false });
    expect(shardLayout(500, { shards: 2 })).toEqual({ count: 2, inline: false, publisherShard: false });
  });

  it('gives publishers a process of their own once deliveries would stall their send schedule', () => {
    const soak = { publishers: 20, subscribers: 1_000, deliveriesPerS: 10_000 };
    expect(shardLayout(1_020, {}, soak)).toEqual({ count: 2, inline: false, publisherShard: true });
    expect(shardLayout(20_020, {}, { ...soak, subscribers: 20_000 })).toEqual({
      count: 4,
      inline: false,
      publisherShard: true,
    });
    expect(shardLayout(1_020, { shards: 3 }, soak)).toEqual({
      count: 3,
      inline: false,
      publisherShard: true,
    });
    // A light load stays inline (tests, small experiments); forcing inline or one shard wins.
    const light = { ...soak, deliveriesPerS: PUBLISHER_SHARD_MIN_DELIVERIES_PER_S - 1 };
    expect(shardLayout(1_020, {}, light)).toEqual({ count: 1, inline: true, publisherShard: false });
    expect(shardLayout(1_020, { inline: true }, soak)).toEqual({
      count: 1,
      inline: true,
      publisherShard: false,
    });
    expect(shardLayout(1_020, { shards: 1 }, soak)).toEqual({
      count: 1,
      inline: false,
      publisherShard: false,
    });
  });

  it('puts every publisher in shard 0 and no subscriber there when publishers have their own shard', () => {
    const params = { ...STREAM_DEFAULTS, publishers: 5, subscribers: 9, rooms: 3 };
    const clients = { cookies: true, sourceAddresses: [] };
    const plans = shardPlans(params, ['ws://127.0.0.1:1/ws'], clients, 'run', 3, true);
    expect(plans[0]!.publishers.map((p) => p.index)).toEqual([0, 1, 2, 3, 4]);
    expect(plans[0]!.subscribers).toEqual([]);
    expect(plans[1]!.publishers).toEqual([]);
    expect(
      [...plans[1]!.subscribers, ...plans[2]!.subscribers].map((s) => s.index).sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const mixed = shardPlans(params, ['ws://127.0.0.1:1/ws'], clients, 'run', 3);
    expect(mixed.map((plan) => plan.publishers.length)).toEqual([2, 2, 1]);
  });

  it('reads statistics for thresholds, null when unmeasured', () => {
    const metrics = {
      a: { kind: 'counter', unit: 'count', value: 3, description: '' },
      b: { kind: 'gauge', unit: 'bytes', value: null, description: '' },
    } as const;
    expect(readStat(metrics, 'a', 'value')).toBe(3);
    expect(readStat(metrics, 'b', 'value')).toBeNull();
    expect(readStat(metrics, 'c', 'value')).toBeNull();
  });
});

describe('server probe', () => {
  it('reads CPU seconds and RSS of a pid from /proc', async () => {
    const probe = new ServerProbe([process.pid], []);
    const before = await probe.sample();
    const until = Date.now() + 150;
    while (Date.now() < until) Math.sqrt(Math.random());
    const after = await probe.sample();
    expect(after.rssBytes).toBeGreaterThan(10_000_000);
    expect(after.cpuSeconds!).toBeGreaterThan(before.cpuSeconds!);
    expect(coresBetween(before, after)).toBeGreaterThan(0);
  });

  it('reports null, not a partial sum, when a server cannot be read', async () => {
    const sample = await new ServerProbe([process.pid, 2 ** 22 + 7], []).sample();
    expect(sample).toMatchObject({ cpuSeconds: null, rssBytes: null });
    expect((await new ServerProbe([], []).sample()).rssBytes).toBeNull();
  });

  it('with a sample stream, reads its pids from the stream instead of /proc', async () => {
    let passes = 0;
    const reading = (pid: number, cpuSeconds: number) => ({
      component: `r${pid}`,
      kind: 'replica' as const,
      pid,
      cpuSeconds,
      cpuPercent: 0,
      rssBytes: 1_000,
    });
    const stream = {
      subscribe: () => () => undefined,
      sampleNow: async () => {
        passes += 1;
        return { atMs: Date.now(), components: [reading(11, passes), reading(12, 2 * passes)] };
      },
    };
    const probe = new ServerProbe([11, 12], [], stream);
    expect(await probe.sample()).toMatchObject({ cpuSeconds: 3, rssBytes: 2_000 });
    expect(await probe.sample()).toMatchObject({ cpuSeconds: 6 });
    expect(passes).toBe(2);
    // a pid the stream does not watch: null, like an unreadable /proc entry
    expect(await new ServerProbe([11, 13], [], stream).sample()).toMatchObject({ cpuSeconds: null });
  });
});
