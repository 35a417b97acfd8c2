/**
 * Thresholds: the pass/fail criteria of a scenario, in one structured form that the Node
 * runner evaluates and that converts to k6 threshold strings (`p(99)<250`, `count==0`).
 * Pure: no Node or k6 imports.
 */
import { METRICS, type MetricName } from './metrics.js';

/** `value` is the number of a counter/gauge/rate; the others are statistics of a distribution. */
export type ThresholdStat = 'value' | 'p50' | 'p95' | 'p99' | 'max' | 'mean';
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  metric: MetricName;
  stat: ThresholdStat;
  op: ThresholdOp;
  value: number;
}

export interface ThresholdOutcome extends Threshold {
  /** The measured number, or null when the metric was not measured (counts as a failure). */
  actual: number | null;
  ok: boolean;
}

/** Reads one statistic of a measured metric; null when absent. */
export type StatReader = (metric: MetricName, stat: ThresholdStat) => number | null;

export function compare(actual: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
  }
}

/** Evaluates every threshold; a metric that was not measured fails its threshold. */
export function evaluateThresholds(thresholds: readonly Threshold[], read: StatReader): ThresholdOutcome[] {
  return thresholds.map((threshold) => {
    const actual = read(threshold.metric, threshold.stat);
    const ok = actual !== null && Number.isFinite(actual) && compare(actual, threshold.op, threshold.value);
    return { ...threshold, actual, ok };
  });
}

/** `delivery_latency_ms p99 < 500` */
export function formatThreshold(
  threshold: Pick<Threshold, 'stat' | 'op' | 'value'> & { metric: string },
): string {
  return `${threshold.metric} ${threshold.stat} ${threshold.op} ${threshold.value}`;
}

/**
 * The k6 form of a threshold: k6 Trends know `p(N)`, `max`, `avg`; Counters know `count`;
 * gauge-like numbers are k6 Gauges (`value`). Distribution metrics are k6 Trends.
 */
export function toK6Threshold(threshold: Threshold): string {
  const spec = METRICS[threshold.metric];
  let stat: string;
  if (spec.kind === 'distribution') {
    const byStat: Record<ThresholdStat, string> = {
      value: 'avg',
      p50: 'med',
      p95: 'p(95)',
      p99: 'p(99)',
      max: 'max',
      mean: 'avg',
    };
    stat = byStat[threshold.stat];
  } else if (spec.kind === 'counter') {
    stat = 'count';
  } else {
    stat = 'value';
  }
  return `${stat}${threshold.op}${threshold.value}`;
}

/** Groups thresholds into k6's `options.thresholds` shape. */
export function toK6Thresholds(thresholds: readonly Threshold[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const threshold of thresholds) {
    const list = out[threshold.metric] ?? [];
    list.push(toK6Threshold(threshold));
    out[threshold.metric] = list;
  }
  return out;
}
