import type { RunResultInput } from '../../report/schema.js';
import { summarize } from '../../report/stats.js';

/** `1.23 ms` / `–`. */
export function ms(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(value >= 100 ? 0 : 2)} ms`;
}

/** Reconnect p50/p99 of a run, or undefined when nobody reconnected. */
export function reconnectPercentiles(
  run: RunResultInput,
): { p50: number; p99: number; count: number } | undefined {
  const samples = run.reconnectMs ?? [];
  if (samples.length === 0) return undefined;
  const summary = summarize(samples);
  return { p50: summary.p50, p99: summary.p99, count: summary.count };
}

/** Connections per replica at the last poll at or before `tMs` (or the last poll overall). */
export function connectionsAt(run: RunResultInput, tMs = Number.POSITIVE_INFINITY): Record<string, number> {
  const points = (run.connectionsPerReplica ?? []).filter((point) => point.tMs <= tMs);
  const lastT = points.at(-1)?.tMs;
  const counts: Record<string, number> = {};
  for (const point of points) if (point.tMs === lastT) counts[point.replica] = point.connections;
  return counts;
}

/** `r1 40, r2 38, r3 0`. */
export function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '–' : entries.map(([replica, count]) => `${replica} ${count}`).join(', ');
}

/** Time of the first event of `kind` in a run. */
export function eventTime(run: RunResultInput, kind: string): number | undefined {
  return run.events?.find((event) => event.kind === kind)?.tMs;
}

/**
 * Connections per replica at the poll in [fromMs, toMs) with the most clients
 * connected (the latest such poll): the steady state, not the ramp-up or the
 * close at the end of the run.
 */
export function peakConnections(
  run: RunResultInput,
  fromMs = 0,
  toMs = Number.POSITIVE_INFINITY,
): Record<string, number> {
  const totals = new Map<number, number>();
  for (const point of run.connectionsPerReplica ?? []) {
    if (point.tMs < fromMs || point.tMs >= toMs) continue;
    totals.set(point.tMs, (totals.get(point.tMs) ?? 0) + point.connections);
  }
  let bestT: number | undefined;
  let bestTotal = -1;
  for (const [tMs, total] of totals) {
    if (total >= bestTotal) {
      bestTotal = total;
      bestT = tMs;
    }
  }
  return bestT === undefined ? {} : connectionsAt(run, bestT);
}

/**
 * `; reconnects: 12 back on the replica they left, 30 on another` (from the runner's outage
 * records, see `reconnectPlacement`), or '' when no client reconnected.
 */
export function describePlacement(run: RunResultInput): string {
  const same = run.metrics?.reconnectsSameReplica;
  const other = run.metrics?.reconnectsOtherReplica;
  if (same === undefined || other === undefined) return '';
  return `; reconnects: ${same} back on the replica they left, ${other} on another`;
}
