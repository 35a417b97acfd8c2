import { CHART_HEIGHT_PX, CHART_WIDTH_PX, type ChartSpec, VEGA_LITE_SCHEMA } from './chart-spec.js';
import type { ExperimentResult, PercentilePoint, RunResult } from './schema.js';
import { runName } from './tables.js';

/**
 * The x position of a percentile on the plot: 1 / (1 − p), on a log axis, so p90, p99, p99.9 and
 * p99.99 are evenly spaced (the usual HDR percentile plot). The max is drawn one decade past p99.99.
 */
export function ninesOf(percentile: number): number {
  return percentile >= 100 ? 100_000 : 1 / (1 - percentile / 100);
}

/** Axis labels at the marked percentiles. */
const TICKS = [50, 90, 99, 99.9, 99.99, 100];

/**
 * A run's percentile series: the full-distribution one when recorded, else (older results) the
 * points of its six-quantile CDF below the max.
 */
export function percentilesOf(run: RunResult): PercentilePoint[] {
  if (run.latencyPercentiles.length > 0) return run.latencyPercentiles;
  return run.latencyCdf
    .filter((point) => point.fraction >= 0.5)
    .map((point) => ({ percentile: point.fraction * 100, latencyMs: point.latencyMs }));
}

/** Latency p50 … p99.99 (and the max) of every run as one line each, latency on a log scale. */
export function latencyPercentileChart(
  result: ExperimentResult,
  runs: readonly RunResult[] = result.runs,
  file = 'latency-percentiles.svg',
): ChartSpec | undefined {
  const values = runs.flatMap((run) =>
    percentilesOf(run).map((point) => ({
      // An invalid run's line is labelled so in the legend: its latency includes the runner's delay.
      run: runName(run),
      nines: ninesOf(point.percentile),
      percentile: point.percentile === 100 ? 'max' : `p${point.percentile}`,
      // a log scale cannot show 0 ms (same-millisecond delivery)
      latencyMs: Math.max(point.latencyMs, 0.01),
    })),
  );
  if (values.length === 0) return undefined;
  const labels = TICKS.map(
    (tick) => `datum.value == ${ninesOf(tick)} ? '${tick === 100 ? 'max' : `p${tick}`}'`,
  );
  return {
    file,
    title: 'Fan-out latency by percentile, p50 to p99.99 (full HDR distribution, one line per run)',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH_PX,
      height: CHART_HEIGHT_PX,
      data: { values },
      mark: { type: 'line', point: { size: 18 } },
      encoding: {
        x: {
          field: 'nines',
          type: 'quantitative',
          title: 'percentile',
          scale: { type: 'log', domain: [ninesOf(50), ninesOf(100)] },
          axis: { values: TICKS.map(ninesOf), labelExpr: `${labels.join(' : ')} : ''`, grid: true },
        },
        y: { field: 'latencyMs', type: 'quantitative', title: 'latency (ms, log)', scale: { type: 'log' } },
        // run labels such as `haproxy ×3 (INVALID)` must not be cut off
        color: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 320 } },
        tooltip: [{ field: 'run' }, { field: 'percentile' }, { field: 'latencyMs', title: 'ms' }],
      },
    },
  };
}
