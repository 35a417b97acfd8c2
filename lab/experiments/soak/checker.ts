import type { FlatThreshold } from '../../collect/trend.js';
import type { RunResult } from '../../report/schema.js';
import type { Checker } from '../check/checker.js';

/**
 * What "flat" means after warm-up: fitted growth per 10 minutes under 10% of the series' mean
 * (a leak that size doubles memory within ~2 hours; GC sawtooth and allocator noise stay well
 * under it at a fixed load), and at least these floors, below which a small series' noise is not
 * a trend.
 */
export const SOAK_THRESHOLDS: Record<'rssMiB' | 'heapMiB' | 'fds' | 'redisMemMiB', FlatThreshold> = {
  rssMiB: { fractionPer10Min: 0.1, floorPer10Min: 4 },
  heapMiB: { fractionPer10Min: 0.1, floorPer10Min: 2 },
  fds: { fractionPer10Min: 0.1, floorPer10Min: 10 },
  redisMemMiB: { fractionPer10Min: 0.1, floorPer10Min: 1 },
};
export type SeriesKind = keyof typeof SOAK_THRESHOLDS;

/**
 * Series that grow after warm-up, from the slopes and means the run stored
 * (`growthPer10Min.<kind>.<component>`, `mean.<kind>.<component>`) and SOAK_THRESHOLDS.
 */
export function growingSeries(run: Pick<RunResult, 'metrics'>): string[] {
  const growing: string[] = [];
  for (const [name, growth] of Object.entries(run.metrics)) {
    const [prefix, kind, ...component] = name.split('.');
    if (prefix !== 'growthPer10Min' || !kind || !(kind in SOAK_THRESHOLDS)) continue;
    const threshold = SOAK_THRESHOLDS[kind as SeriesKind];
    const mean = run.metrics[`mean.${kind}.${component.join('.')}`] ?? 0;
    if (growth > Math.max(threshold.floorPer10Min, threshold.fractionPer10Min * mean))
      growing.push(`${component.join('.')} ${kind} +${growth.toFixed(2)}/10 min`);
  }
  return growing;
}

/** Targets: every series flat after warm-up, 0 lost, no component restarted. */
export const soakChecker: Checker = (result) => {
  const run = result.runs[0]!;
  const growing = growingSeries(run);
  const lost = run.messages?.lost ?? 0;
  const restarts = result.restarted;
  const met = growing.length === 0 && lost === 0 && restarts.length === 0;
  return {
    valid: met,
    reasons: [met ? 'flat after warm-up, 0 lost, reloads dropped nothing' : 'see the conclusions'],
    conclusions: [
      `${run.metrics.samples ?? 0} samples over ${Math.round(Number(result.parameters.durationMs ?? 0) / 1_000)} s, ${run.metrics.reloads ?? 0} HAProxy reloads; ` +
        `${run.metrics.reconnects ?? 0} reconnects (old workers' connections end at hard-stop-after, clients resume).`,
      growing.length === 0
        ? 'After warm-up no series grows past its threshold (10% of its mean per 10 min, with floors).'
        : `Growing after warm-up: ${growing.join('; ')}.`,
      `Messages: ${run.messages?.delivered ?? 0} of ${run.messages?.expected ?? 0} delivered, ${run.messages?.recovered ?? 0} recovered by resume, lost ${lost}.`,
      restarts.length === 0 ? 'No component restarted.' : `Restarted: ${restarts.join(', ')}.`,
    ],
    invalidRuns: [],
  };
};
