/** Least-squares slope of `values` over `timesMs`, per minute; NaN with fewer than 2 points. */
export function slopePerMinute(timesMs: readonly number[], values: readonly number[]): number {
  const n = Math.min(timesMs.length, values.length);
  if (n < 2) return Number.NaN;
  const xs = timesMs.slice(0, n).map((t) => t / 60_000);
  const ys = values.slice(0, n);
  const meanX = xs.reduce((sum, x) => sum + x, 0) / n;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (let index = 0; index < n; index += 1) {
    covariance += (xs[index]! - meanX) * (ys[index]! - meanY);
    variance += (xs[index]! - meanX) ** 2;
  }
  return variance === 0 ? Number.NaN : covariance / variance;
}

/** How a series is judged flat: growth per 10 minutes below both a share of its mean and a floor. */
export interface FlatThreshold {
  /** Allowed fitted growth per 10 minutes as a fraction of the series' mean. */
  fractionPer10Min: number;
  /** Growth per 10 minutes below this is flat whatever the mean (noise of small series). */
  floorPer10Min: number;
}

/** Fitted growth per 10 minutes, and whether it exceeds the threshold. */
export function judgeTrend(
  timesMs: readonly number[],
  values: readonly number[],
  threshold: FlatThreshold,
): { growthPer10Min: number; mean: number; grows: boolean } {
  const growthPer10Min = slopePerMinute(timesMs, values) * 10;
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
  const allowed = Math.max(threshold.floorPer10Min, threshold.fractionPer10Min * mean);
  return { growthPer10Min, mean, grows: Number.isFinite(growthPer10Min) && growthPer10Min > allowed };
}
