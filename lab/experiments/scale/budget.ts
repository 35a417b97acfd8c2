/**
 * The budget before the curve: what each component costs per delivery at a calibration step, and
 * the per-replica cap at which every count's replicas at their cap, plus the load generator, the
 * proxy and Redis carrying what those replicas deliver, fit in a share of the machine. A count
 * that fits at no candidate cap is left out ("machine-bound: not measured"): its figures would
 * describe the machine, not the replicas.
 */
import type { Capacity, LoadStep } from '../../report/capacity-schema.js';

export type Budget = NonNullable<Capacity['budget']>;

/** CPU-ms per 1000 deliveries of each component at one step. */
export function costsOf(step: LoadStep): Budget['cpuMsPer1kDeliveries'] {
  const deliveries = step.deliveredPerS * step.windowS;
  const per1k = (seconds: number) => (deliveries > 0 ? (seconds / deliveries) * 1e6 : 0);
  return {
    replica: per1k(step.cpuSeconds.replica),
    redis: per1k(step.cpuSeconds.redis),
    proxy: per1k(step.cpuSeconds.proxy),
    load: per1k(step.cpuSeconds.load),
  };
}

/**
 * Cores in use when `replicas` replicas run at `capCores` each: the deliveries/s those caps
 * carry at the calibration's replica cost, times the other components' cost per delivery.
 */
export function coresAtCap(
  replicas: number,
  capCores: number,
  costs: Budget['cpuMsPer1kDeliveries'],
): number {
  if (costs.replica <= 0) return Number.POSITIVE_INFINITY;
  const deliveriesPerS = (replicas * capCores) / (costs.replica / 1e6);
  return replicas * capCores + (deliveriesPerS * (costs.redis + costs.proxy + costs.load)) / 1e6;
}

/**
 * The highest candidate cap at which every count fits in `machineShare` of `machineCores`; when
 * none fits them all, the lowest candidate, and the counts that do not fit at it are left out.
 */
export function chooseBudget(
  calibration: LoadStep,
  counts: readonly number[],
  capCandidatesCores: readonly number[],
  machineCores: number,
  machineShare: number,
): Budget {
  const costs = costsOf(calibration);
  const room = machineCores * machineShare;
  const fits = (cap: number, count: number) => coresAtCap(count, cap, costs) <= room;
  const sorted = [...capCandidatesCores].sort((a, b) => b - a);
  const cap = sorted.find((candidate) => counts.every((count) => fits(candidate, count))) ?? sorted.at(-1)!;
  return {
    calibrationOfferedPerS: calibration.offeredDeliveriesPerS,
    cpuMsPer1kDeliveries: costs,
    machineShare,
    replicaCpuCores: cap,
    machineBound: counts.filter((count) => !fits(cap, count)),
  };
}
