/**
 * From one measured run to one load step of the capacity search: CPU of each component in the
 * publishing window, each one's utilization of its limit, whether the step was sustainable and
 * which component limited it.
 */

import type { CapacityLimits, LimitingComponent, LoadStep } from '../report/capacity-schema.js';
import type { ResourceSample, RunResultInput } from '../report/schema.js';

/** CPU seconds a component used between `fromMs` and `toMs` (run time), from its samples. */
export function windowCpuSeconds(
  usage: { samples?: readonly ResourceSample[] | undefined },
  fromMs: number,
  toMs: number,
): number {
  let seconds = 0;
  const samples = usage.samples ?? [];
  for (let index = 1; index < samples.length; index += 1) {
    const previous = samples[index - 1]!;
    const sample = samples[index]!;
    // each sample covers (previous.tMs, sample.tMs]: count the part inside the window
    const overlapMs = Math.min(sample.tMs, toMs) - Math.max(previous.tMs, fromMs);
    if (overlapMs > 0) seconds += (sample.cpuPercent / 100) * (overlapMs / 1000);
  }
  return seconds;
}

export interface StepCriteria {
  /** p99 at or under this is sustainable. */
  boundP99Ms: number;
  /** Delivered/offered at or above this is sustainable (the system kept up). */
  minDeliveredFraction: number;
}

/** The start of publishing and its length, from the run's events and parameters. */
function publishingWindow(run: RunResultInput): { fromMs: number; toMs: number } | undefined {
  const start = run.events?.find((event) => event.kind === 'publishing')?.tMs;
  const durationMs = Number(run.parameters?.durationMs);
  if (start === undefined || !(durationMs > 0)) return undefined;
  return { fromMs: start, toMs: start + durationMs };
}

/** One step of the search from a measured run at `replicas` and the offered deliveries/s. */
export function stepOf(
  run: RunResultInput,
  replicas: number,
  offeredDeliveriesPerS: number,
  limits: CapacityLimits,
  criteria: StepCriteria,
  /** The whole machine's busy share over a run time window (from /proc/stat), when measured. */
  machineBusy?: (fromMs: number, toMs: number) => number | undefined,
): LoadStep {
  const window = publishingWindow(run) ?? { fromMs: 0, toMs: run.durationMs ?? 0 };
  const windowS = (window.toMs - window.fromMs) / 1000;
  const cpuOf = (usage: { samples?: readonly ResourceSample[] | undefined }) =>
    windowCpuSeconds(usage, window.fromMs, window.toMs);
  const resources = run.resources ?? [];
  const kindCpu = (kinds: readonly string[]) =>
    resources.filter((usage) => kinds.includes(usage.kind)).reduce((sum, usage) => sum + cpuOf(usage), 0);
  const busiestReplicaS = Math.max(
    0,
    ...resources.filter((usage) => usage.kind === 'replica').map((usage) => cpuOf(usage)),
  );
  const cpuSeconds = {
    replica: kindCpu(['replica']),
    redis: kindCpu(['redis']),
    proxy: kindCpu(['haproxy', 'nginx']),
    load: kindCpu(['load', 'lab']),
  };
  const perS = (seconds: number) => (windowS > 0 ? seconds / windowS : 0);
  const utilization = {
    replica: perS(busiestReplicaS) / limits.replicaCpuCores,
    redis: perS(cpuSeconds.redis) / limits.redisCpuCores,
    proxy: perS(cpuSeconds.proxy) / limits.proxyCpuCores,
    load: perS(cpuSeconds.load) / limits.machineCores,
  };
  const ours =
    perS(cpuSeconds.replica + cpuSeconds.redis + cpuSeconds.proxy + cpuSeconds.load) / limits.machineCores;
  const machine = Math.max(ours, machineBusy?.(window.fromMs, window.toMs) ?? ours);
  const utilizationAll = { ...utilization, machine, others: machine - ours };
  const deliveredPerS = run.deliveredPerS ?? 0;
  const p99Ms = run.latencyMs?.p99 ?? null;
  const lost = run.messages?.lost ?? 0;
  const valid = run.validity?.valid ?? true;
  const failures: string[] = [];
  if (lost > 0) failures.push(`${lost} lost`);
  if (p99Ms === null || p99Ms > criteria.boundP99Ms)
    failures.push(
      `p99 ${p99Ms === null ? 'unknown' : `${Math.round(p99Ms)} ms`} > ${criteria.boundP99Ms} ms`,
    );
  if (!valid) failures.push('load generator behind its schedule');
  if (deliveredPerS < offeredDeliveriesPerS * criteria.minDeliveredFraction)
    failures.push(
      `delivered ${Math.round(deliveredPerS)}/s of ${Math.round(offeredDeliveriesPerS)}/s offered`,
    );
  return {
    replicas,
    offeredDeliveriesPerS,
    deliveredPerS,
    publishedPerS: run.publishedPerS ?? 0,
    p99Ms,
    lost,
    valid,
    sustainable: failures.length === 0,
    failures,
    utilization: utilizationAll,
    limiting: limitingOf(utilizationAll, valid),
    cpuSeconds,
    windowS,
  };
}

/** The step that counts at an offered rate: the repeat when a failed one was measured again. */
export const countedSteps = (steps: readonly LoadStep[]) => steps.filter((step) => step.repeated !== true);

/** Highest passing step, and the lowest failing one above it (after repeats). */
export function bracketOf(steps: readonly LoadStep[]): {
  passing: LoadStep | undefined;
  failing: LoadStep | undefined;
} {
  const kept = countedSteps(steps);
  const passing = kept
    .filter((step) => step.sustainable)
    .sort((a, b) => b.offeredDeliveriesPerS - a.offeredDeliveriesPerS)[0];
  const failing = kept
    .filter((step) => !step.sustainable && step.offeredDeliveriesPerS > (passing?.offeredDeliveriesPerS ?? 0))
    .sort((a, b) => a.offeredDeliveriesPerS - b.offeredDeliveriesPerS)[0];
  return { passing, failing };
}

/** Busy share of all cores at which the machine counts as saturated (the rest is scheduling slack). */
const MACHINE_SATURATED = 0.9;

/**
 * The component nearest its limit: the load generator when it fell behind its schedule (its
 * figures then describe the runner), else the one with the highest utilization — the machine
 * when the sum of everything is the fuller one (no single part at its limit, the cores are).
 */
export function limitingOf(utilization: LoadStep['utilization'], valid: boolean): LimitingComponent {
  // a runner that fell behind on a saturated machine was starved by it, not slow by itself
  if (!valid) return utilization.machine >= MACHINE_SATURATED ? 'machine' : 'load generator';
  const candidates: [LimitingComponent, number][] = [
    ['replica', utilization.replica],
    ['redis', utilization.redis],
    ['proxy', utilization.proxy],
    ['machine', utilization.machine],
  ];
  return candidates.sort(([, a], [, b]) => b - a)[0]![0];
}
