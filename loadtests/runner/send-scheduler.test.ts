import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PublisherArrivals } from '../scenarios/arrivals.js';
import type { DistributionSummary } from './histogram.js';
import { SendScheduler } from './send-scheduler.js';
import { judgeSchedulingLag, type ShardLag } from './validity.js';

interface Sent {
  publisher: number;
  intendedAtMs: number;
  actualAtMs: number;
}

/** A scheduler over `publishers` uniform streams of `ratePerS` for `durationMs`, on fake time. */
function schedulerFor(publishers: number, ratePerS: number, durationMs: number) {
  const sent: Sent[] = [];
  const lags: number[] = [];
  const startAtMs = Date.now() + 50;
  const scheduler = new SendScheduler({
    startAtMs,
    endAtMs: startAtMs + durationMs,
    now: () => Date.now(),
    onLag: (lagMs) => lags.push(lagMs),
    streams: Array.from({ length: publishers }, (_, publisher) => ({
      arrivals: new PublisherArrivals({
        model: 'uniform',
        publisherIndex: publisher,
        publishers,
        ratePerS,
        durationMs,
        seed: 0,
      }),
      send: (intendedAtMs: number) => sent.push({ publisher, intendedAtMs, actualAtMs: Date.now() }),
    })),
  });
  return { scheduler, sent, lags, startAtMs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('send scheduler', () => {
  it('sends each slot on time: 20 publishers × 10 msg/s, at most 2 (+1) sends in any 10 ms', async () => {
    const { scheduler, sent, lags, startAtMs } = schedulerFor(20, 10, 2_000);
    const done = scheduler.run();
    await vi.advanceTimersByTimeAsync(2_100);
    await done;
    expect(sent).toHaveLength(400);
    expect(Math.max(...lags)).toBeLessThanOrEqual(1);
    const actual = sent.map((s) => s.actualAtMs - startAtMs).sort((a, b) => a - b);
    for (const from of actual) {
      expect(actual.filter((at) => at >= from && at < from + 10).length).toBeLessThanOrEqual(3);
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after a blocked loop, sends the backlog at once, oldest slot first, with its lag', async () => {
    const { scheduler, sent, lags, startAtMs } = schedulerFor(2, 100, 1_000);
    const done = scheduler.run();
    await vi.advanceTimersByTimeAsync(300);
    const before = sent.length;
    // The loop is blocked for 200 ms: the clock moves on, no timer runs; then the next timer fires.
    vi.setSystemTime(Date.now() + 200);
    await vi.advanceTimersByTimeAsync(5);
    const backlog = sent.slice(before);
    expect(backlog.length).toBeGreaterThanOrEqual(38);
    const intended = backlog.map((s) => s.intendedAtMs);
    expect(intended).toEqual([...intended].sort((a, b) => a - b));
    // The oldest slot of the backlog waited the whole block.
    expect(backlog[0]!.actualAtMs - backlog[0]!.intendedAtMs).toBeGreaterThanOrEqual(195);
    expect(Math.max(...lags)).toBeGreaterThanOrEqual(195);
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(sent).toHaveLength(200);
    expect(sent.every((s) => s.intendedAtMs >= startAtMs)).toBe(true);
  });

  it('ends with its window, not with the last slot (and with no stream at all)', async () => {
    const startAtMs = Date.now();
    const empty = new SendScheduler({
      startAtMs,
      endAtMs: startAtMs + 1_000,
      now: () => Date.now(),
      onLag: () => undefined,
      streams: [],
    });
    let ended = false;
    const done = empty.run().then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(990);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    await done;
    expect(ended).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() clears its timer, resolves run() and sends nothing more', async () => {
    const { scheduler, sent } = schedulerFor(4, 10, 10_000);
    const done = scheduler.run();
    await vi.advanceTimersByTimeAsync(500);
    scheduler.stop();
    await done;
    const count = sent.length;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(count);
  });
});

const summary = (p99: number, max: number, count = 100): DistributionSummary => ({
  count,
  min: 0,
  mean: p99 / 2,
  p50: p99 / 2,
  p90: p99,
  p95: p99,
  p99,
  p999: max,
  max,
});

describe('run validity', () => {
  it('is valid when every shard kept its schedule within the bound', () => {
    const shards: ShardLag[] = [
      { shard: 0, summary: summary(1.2, 3) },
      { shard: 1, summary: summary(4.9, 30) },
    ];
    const validity = judgeSchedulingLag(summary(4, 30, 200), shards, 5);
    expect(validity.valid).toBe(true);
    expect(validity.reasons).toEqual([]);
    expect(validity.schedulingLag).toMatchObject({ boundP99Ms: 5, p99Ms: 4, maxMs: 30 });
    expect(validity.schedulingLag?.shards[1]).toEqual({ shard: 1, count: 100, p99Ms: 4.9, maxMs: 30 });
  });

  it('is invalid when any one shard fell behind, even if the merged p99 looks fine', () => {
    const shards: ShardLag[] = [
      { shard: 0, summary: summary(1, 2, 10_000) },
      { shard: 1, summary: summary(80, 300, 50) },
    ];
    const validity = judgeSchedulingLag(summary(1.5, 300, 10_050), shards, 5);
    expect(validity.valid).toBe(false);
    expect(validity.reasons).toHaveLength(1);
    expect(validity.reasons[0]).toContain('shard 1 scheduling lag p99 80 ms (max 300 ms) > bound 5 ms');
  });

  it('has nothing to judge when nothing was scheduled', () => {
    const validity = judgeSchedulingLag(summary(0, 0, 0), [{ shard: 0, summary: summary(0, 0, 0) }], 5);
    expect(validity).toMatchObject({ valid: true, schedulingLag: { p99Ms: null, maxMs: null } });
  });
});
