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
      `${(result.wallMs / 1_000).toFixed(1)} s, ${result.environment.shards} ${result.environment.shardMode} shard(s)${result.environment.publisherShard === true ? ', publishers in shard 0' : ''})`,
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
  const lag = result.validity?.schedulingLag;
  if (lag) {
    const shards = lag.shards.map(
      (s) => `shard ${s.shard} p99 ${s.p99Ms ?? 'n/a'} / max ${s.maxMs ?? 'n/a'}`,
    );
    lines.push(`scheduling lag (ms, bound p99 ${lag.boundP99Ms}): ${shards.join('; ')}`);
  }
  if (result.validity && !result.validity.valid) {
    for (const reason of result.validity.reasons) lines.push(`INVALID RUN: ${reason}`);
  }
  return lines.join('\n');
}

/** CLI exit code: 3 invalid run (its figures cannot be trusted either way), 1 a threshold failed, else 0. */
export function exitCodeOf(result: ScenarioResult): 0 | 1 | 3 {
  if (result.validity && !result.validity.valid) return 3;
  return result.passed ? 0 : 1;
}
