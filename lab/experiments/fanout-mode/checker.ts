import type { RunResult } from '../../report/schema.js';
import { findings } from '../check/checker.js';
import { ms } from '../shared/describe-run.js';

function replicaCpuSeconds(run: RunResult): number {
  return run.resources.filter((u) => u.kind === 'replica').reduce((sum, u) => sum + u.cpuSeconds, 0);
}

/** Redis traffic and replica CPU per mode (descriptive: no pass/fail target). */
export const fanoutModeChecker = findings((result) => {
  const conclusions = result.runs.map((run) => {
    const m = run.metrics;
    return (
      `${run.label}: Redis ${(m.redisOutKiBPerS ?? 0).toFixed(0)} KiB/s out, ${(m.redisCommandsPerS ?? 0).toFixed(0)} commands/s; ` +
      `replica CPU ${replicaCpuSeconds(run).toFixed(2)} s; p99 ${ms(run.latencyMs?.p99)}.`
    );
  });
  const broadcast = result.runs.filter((run) => run.parameters.busMode === 'broadcast');
  const perRoom = result.runs.filter((run) => run.parameters.busMode === 'single');
  const last = (list: RunResult[]) => list.at(-1)?.metrics.redisOutKiBPerS ?? 0;
  if (broadcast.length > 0 && perRoom.length > 0) {
    conclusions.push(
      `With the most rooms and replicas, the general channel pushed ${last(broadcast).toFixed(0)} KiB/s out of Redis vs ` +
        `${last(perRoom).toFixed(0)} KiB/s with per-room channels: broadcast sends every message to every replica, ` +
        'per-room channels only to replicas with members in the room.',
    );
  }
  return conclusions;
});
