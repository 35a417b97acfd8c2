import { PLOT_PERCENTILES } from '../../loadtests/runner/histogram.js';
import type { CdfPoint, LatencySummary, PercentilePoint } from './schema.js';

/** Value at quantile `q` (0..1) of ascending `sorted`, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** count, mean, p50, p95, p99, max of raw samples (ms). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? 0 : total / sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/**
 * Empirical CDF of raw samples, thinned to at most `maxPoints` points (kept
 * evenly by rank, tail included) so result.json and the charts stay small.
 */
export function empiricalCdf(samples: readonly number[], maxPoints = 200): CdfPoint[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  const points: CdfPoint[] = [];
  for (let index = 0; index < n; index += step) {
    points.push({ latencyMs: sorted[index]!, fraction: (index + 1) / n });
  }
  if (points.at(-1)?.fraction !== 1) points.push({ latencyMs: sorted[n - 1]!, fraction: 1 });
  return points;
}

/** Raw samples at the percentile plot's percentiles (nearest-rank; 100 is the max). */
export function percentilePoints(samples: readonly number[]): PercentilePoint[] {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return PLOT_PERCENTILES.map((percentile) => ({
    percentile,
    latencyMs: quantile(sorted, percentile / 100),
  }));
}
