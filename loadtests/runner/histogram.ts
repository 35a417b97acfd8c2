/**
 * Latency histograms (hdr-histogram-js) recorded in microseconds, shipped between processes
 * as compressed base64 and merged by adding, then summarised in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

/** One hour in µs: anything slower is clamped (and still counted). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a duration given in ms (fractional allowed); negative clock skew counts as 0. */
export function recordMs(histogram: Histogram, durationMs: number): void {
  const us = Math.round(durationMs * 1_000);
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(0, us)));
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Adds encoded histograms from other processes into one. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const text of encoded) {
    const part = hdr.decodeFromCompressedBase64(text, 64);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

export interface DistributionSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** The distribution at `PLOT_PERCENTILES` (for plots); absent where only the summary is kept. */
  percentiles?: PercentilePoint[];
}

const round3 = (value: number): number => Math.round(value * 1_000) / 1_000;

/**
 * The percentiles of a latency plot from p50 to p99.99 (then the max): dense enough in the tail
 * that runs can be told apart above p90, where a six-quantile summary only shows steps.
 */
export const PLOT_PERCENTILES = [
  50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.25, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99, 100,
] as const;

/** One point of a percentile plot: `percentile` % of samples were at most `ms`. */
export interface PercentilePoint {
  percentile: number;
  ms: number;
}

/** The full distribution at `PLOT_PERCENTILES`, in ms (3 decimals); empty for an empty histogram. */
export function percentileSeries(histogram: Histogram): PercentilePoint[] {
  if (histogram.totalCount === 0) return [];
  return PLOT_PERCENTILES.map((percentile) => ({
    percentile,
    // a bucket's upper edge can lie above the largest sample: the max bounds every percentile
    ms: round3(Math.min(histogram.maxValue, histogram.getValueAtPercentile(percentile)) / 1_000),
  }));
}

/**
 * Percentiles in ms (3 decimals). An empty histogram summarises to zeros with count 0. With
 * `withSeries`, the percentile plot's series too.
 */
export function summarise(histogram: Histogram, withSeries = false): DistributionSummary {
  const count = histogram.totalCount;
  const ms = (us: number): number => round3(us / 1_000);
  const series = withSeries ? { percentiles: percentileSeries(histogram) } : {};
  if (count === 0)
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, ...series };
  return {
    count,
    min: ms(histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    ...series,
  };
}
