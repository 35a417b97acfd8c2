/**
 * What every silent-fault experiment (dead-replica, partition, lossy-link) holds a run to: each
 * client of the struck replica received again within a bound, and no acknowledged message was
 * lost. Reads the figures `measureSilentRun` (shared/silent-run.ts) leaves in a run's metrics.
 */
import type { RunResult } from '../../report/schema.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Why `run` misses "every struck client back within `boundMs`" (empty: it holds). */
export function notBackWithin(run: RunResult, boundMs: number): string[] {
  const m = run.metrics;
  const struck = m.struckClients ?? 0;
  if (struck === 0) return [];
  const reasons: string[] = [];
  if ((m.neverBack ?? 0) > 0)
    reasons.push(`${run.label}: ${m.neverBack} of ${struck} clients never received again`);
  else if ((m.backMsMax ?? Number.POSITIVE_INFINITY) > boundMs)
    reasons.push(
      `${run.label}: the last of ${struck} clients received again after ${seconds(m.backMsMax ?? Number.NaN)}, over ${seconds(boundMs)}`,
    );
  return reasons;
}

/** Why `run` cannot say anything about the struck clients: none was on the struck replica. */
export function nothingStruck(run: RunResult): string[] {
  return (run.metrics.struckClients ?? 0) === 0
    ? ['no client was on the struck replica when the fault began: nothing to measure']
    : [];
}

/** Why `run` lost messages (empty: 0 acknowledged messages lost). */
export function ackedLost(run: RunResult): string[] {
  const lost = run.metrics.ackedLost ?? run.messages?.lost ?? 0;
  return lost > 0 ? [`${run.label}: ${lost} acknowledged messages lost`] : [];
}

/** One run in words: who was struck, when they were back, what they lost. */
export function describeSilentRun(run: RunResult): string {
  const m = run.metrics;
  const struck = m.struckClients ?? 0;
  const back =
    struck === 0
      ? 'no client on the struck replica'
      : (m.neverBack ?? 0) > 0
        ? `${m.neverBack} of ${struck} clients never back`
        : `all ${struck} clients back within ${seconds(m.backMsMax ?? 0)} (p50 ${seconds(m.backMsP50 ?? 0)})`;
  const onto =
    (m.reconnectedOntoStruck ?? 0) > 0 ? `, ${m.reconnectedOntoStruck} reconnected onto it again` : '';
  const silent =
    (m.silentDrops ?? 0) > 0 ? `, ${m.silentDrops} dropped a silent connection (heartbeat rule)` : '';
  return `${run.label}: ${back}${onto}${silent}; ${m.ackedLost ?? 0} of ${m.acked ?? 0} acknowledged messages lost.`;
}
