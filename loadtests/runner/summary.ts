/** The short human summary printed after a run. */
import { formatThreshold } from '../scenarios/thresholds.js';
import type { Metric, ScenarioResult } from './result.js';

function show(metric: Metric | undefined): string | null {
  if (!metric) return null;
  if (metric.kind === 'distribution') {
    if (metric.count === 0) return null;
    return `p50 ${metric.p50} ms  p95 ${metric.p95} ms  p99 ${metric.p99} ms  max ${metric.max} ms  (n=${metric.count})`;
  }
  if (metric.value === null) return 'n/a';
  const unit = metric.unit === 'count' || metric.unit === '1' ? '' : ` ${metric.unit}`;
  return `${metric.value.toLocaleString('en-US')}${unit}`;
}

export function formatSummary(result: ScenarioResult): string {
  const lines = [
    `${result.scenario} → ${result.target.label ?? result.target.urls.join(', ')}  (run ${result.runId}, ` +
      `${(result.wallMs / 1_000).toFixed(1)} s, ${result.environment.shards} ${result.environment.shardMode} shard(s))`,
  ];
  for (const [name, metric] of Object.entries(result.metrics)) {
    const text = show(metric);
    if (text !== null) lines.push(`  ${name.padEnd(30)} ${text}`);
  }
  for (const outcome of result.thresholds) {
    lines.push(
      `  ${outcome.ok ? 'PASS' : 'FAIL'} ${formatThreshold(outcome)} (actual ${outcome.actual ?? 'n/a'})`,
    );
  }
  lines.push(result.passed ? 'thresholds: passed' : 'thresholds: FAILED');
  return lines.join('\n');
}
