import { describe, expect, it } from 'vitest';
import { shardPlans } from '../runner/stream-run.js';
import { type ArrivalModel, PublisherArrivals } from './arrivals.js';
import { STREAM_DEFAULTS, type StreamParams } from './definition.js';
import { mulberry32 } from './prng.js';

function offsets(arrivals: PublisherArrivals): number[] {
  const out: number[] = [];
  for (let at = arrivals.next(); at !== null; at = arrivals.next()) out.push(at);
  return out;
}

/** Every intended send of a run, laid out over `shardCount` shards exactly as the runner does. */
function runSchedule(params: StreamParams, shardCount: number, seed = 1): number[] {
  const clients = { cookies: true, sourceAddresses: [] };
  const plans = shardPlans(params, ['ws://127.0.0.1:1/ws'], clients, 'run', shardCount);
  return plans
    .flatMap((plan) =>
      plan.publishers.map((publisher) =>
        offsets(
          new PublisherArrivals({
            model: plan.params.arrivals,
            publisherIndex: publisher.index,
            publishers: plan.params.publishers,
            ratePerS: plan.params.ratePerPublisher,
            durationMs: plan.params.durationMs,
            seed,
          }),
        ),
      ),
    )
    .flat()
    .sort((a, b) => a - b);
}

/** The most sends that fall in any window [t, t + widthMs) (t at every send: the worst case). */
function busiestWindow(sorted: readonly number[], widthMs: number): number {
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + widthMs) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}

/** Kolmogorov–Smirnov statistic D of `samples` against the exponential CDF with mean `meanMs`. */
function ksAgainstExponential(samples: readonly number[], meanMs: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = 1 - Math.exp(-x / meanMs);
    d = Math.max(d, Math.abs(cdf - i / sorted.length), Math.abs(cdf - (i + 1) / sorted.length));
  });
  return d;
}

/** Critical value of D at α = 0.01 for n samples. */
const ksCritical = (n: number): number => 1.63 / Math.sqrt(n);

const soakLoad = (arrivals: ArrivalModel): StreamParams => ({
  ...STREAM_DEFAULTS,
  publishers: 20,
  subscribers: 1_000,
  rooms: 20,
  ratePerPublisher: 10,
  durationMs: 10_000,
  arrivals,
});

describe('arrival models', () => {
  it('uniform: 20 publishers × 10 msg/s over 3 shards, no 10 ms window above the even share + 1', () => {
    const sends = runSchedule(soakLoad('uniform'), 3);
    expect(sends).toHaveLength(20 * 10 * 10);
    // 200 msg/s in total: 2 per 10 ms.
    const evenShare = (20 * 10 * 10) / 1_000;
    expect(busiestWindow(sends, 10)).toBeLessThanOrEqual(evenShare + 1);
    // …and every 100 ms period carries exactly one send of each publisher.
    expect(busiestWindow(sends, 100)).toBe(20);
  });

  it('burst: the same load puts all 20 publishers on one tick (what the runner did before)', () => {
    const sends = runSchedule(soakLoad('burst'), 3);
    expect(sends).toHaveLength(2_000);
    expect(busiestWindow(sends, 10)).toBe(20);
    expect(busiestWindow(sends, 1)).toBe(20);
  });

  it('poisson: exponential gaps at the mean rate (Kolmogorov–Smirnov, fixed seed)', () => {
    const ratePerS = 50;
    const gaps: number[] = [];
    for (let publisherIndex = 0; publisherIndex < 4; publisherIndex += 1) {
      const sends = offsets(
        new PublisherArrivals({
          model: 'poisson',
          publisherIndex,
          publishers: 4,
          ratePerS,
          durationMs: 20_000,
          seed: 20_261_201,
        }),
      );
      for (const [i, at] of sends.entries()) gaps.push(at - (i === 0 ? 0 : sends[i - 1]!));
    }
    expect(gaps.length).toBeGreaterThan(3_500);
    const meanMs = 1_000 / ratePerS;
    expect(ksAgainstExponential(gaps, meanMs)).toBeLessThan(ksCritical(gaps.length));
    const observedMean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(Math.abs(observedMean - meanMs) / meanMs).toBeLessThan(0.05);
  });

  it('poisson: the KS check rejects gaps that are not exponential (the check has teeth)', () => {
    const random = mulberry32(7);
    const meanMs = 20;
    // Uniform gaps on [0, 2·mean]: same mean, wrong shape.
    const gaps = Array.from({ length: 4_000 }, () => random() * 2 * meanMs);
    expect(ksAgainstExponential(gaps, meanMs)).toBeGreaterThan(ksCritical(gaps.length));
  });

  it('poisson: the same seed gives the same schedule, publishers of one run differ', () => {
    const spec = { model: 'poisson' as const, publishers: 2, ratePerS: 10, durationMs: 5_000, seed: 3 };
    const a = offsets(new PublisherArrivals({ ...spec, publisherIndex: 0 }));
    expect(offsets(new PublisherArrivals({ ...spec, publisherIndex: 0 }))).toEqual(a);
    expect(offsets(new PublisherArrivals({ ...spec, publisherIndex: 1 }))).not.toEqual(a);
    expect(a.every((at) => at >= 0 && at < 5_000)).toBe(true);
  });

  it('rejects an unknown model with one message', () => {
    const spec = { publisherIndex: 0, publishers: 1, ratePerS: 1, durationMs: 1_000, seed: 0 };
    expect(() => new PublisherArrivals({ ...spec, model: 'steady' as ArrivalModel })).toThrow(
      'arrivals: one of uniform, poisson, burst (got "steady")',
    );
  });
});
