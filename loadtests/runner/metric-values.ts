/** Builds result metrics from the shared catalogue (so every metric carries its unit and meaning). */
import { METRICS, type MetricName } from '../scenarios/metrics.js';
import type { ThresholdStat } from '../scenarios/thresholds.js';
import type { DistributionSummary } from './histogram.js';
import type { Metric } from './result.js';

export function scalar(name: MetricName, value: number | null): Metric {
  const spec = METRICS[name];
  if (spec.kind === 'distribution') throw new Error(`${name} is a distribution`);
  const rounded = value === null || !Number.isFinite(value) ? null : Math.round(value * 1_000) / 1_000;
  return { kind: spec.kind, unit: spec.unit, value: rounded, description: spec.description };
}

export function distribution(name: MetricName, summary: DistributionSummary): Metric {
  const spec = METRICS[name];
  if (spec.kind !== 'distribution') throw new Error(`${name} is not a distribution`);
  return { kind: 'distribution', unit: 'ms', description: spec.description, ...summary };
}

/** Reads a statistic for threshold evaluation; null when absent or not measured. */
export function readStat(metrics: Record<string, Metric>, name: string, stat: ThresholdStat): number | null {
  const metric = metrics[name];
  if (!metric) return null;
  if (metric.kind === 'distribution') {
    if (metric.count === 0) return null;
    return stat === 'value' ? metric.mean : metric[stat];
  }
  return stat === 'value' ? metric.value : null;
}
