/**
 * The budget before the curve: what each component costs per delivery (the slope between two
 * calibration steps, so fixed per-second costs — connections, heartbeats, the lab itself — are
 * not spread over the deliveries of a light step) and per second regardless of load, and
 * the per-replica cap at which every count's replicas at their cap, plus the load generator, the
 * proxy and Redis carrying what those replicas deliver, fit in a share of the machine. A count
 * that fits at no candidate cap is left out ("machine-bound: not measured"): its figures would
 * describe the machine, not the replicas.
 */
import type { Capacity, LoadStep } from '../../report/capacity-schema.js';

export type Budget = NonNullable<Capacity['budget']>;

type Components = Budget['cpuMsPer1kDeliveries'];
const COMPONENTS = ['replica', 'redis', 'proxy', 'load'] as const;

/**
 * Per component: CPU-ms per 1000 deliveries (the slope from the lighter to the heavier step) and
 * cores used regardless of load (the intercept). With one step, all of it per delivery.
 */
export function costsOf(
  light: LoadStep,
  heavy: LoadStep = light,
): { per1k: Components; fixedCores: Components } {
  const per1k = { replica: 0, redis: 0, proxy: 0, load: 0 };
  const fixedCores = { replica: 0, redis: 0, proxy: 0, load: 0 };
  const rise = heavy.deliveredPerS - light.deliveredPerS;
  for (const component of COMPONENTS) {
    const coresOf = (step: LoadStep) => (step.windowS > 0 ? step.cpuSeconds[component] / step.windowS : 0);
    const slope = rise > 0 ? (coresOf(heavy) - coresOf(light)) / rise : 0;
    // no rise (one step, or noise): the whole share counted per delivery, nothing fixed
    const perDelivery = slope > 0 ? slope : coresOf(heavy) / Math.max(1, heavy.deliveredPerS);
    per1k[component] = perDelivery * 1e6;
    fixedCores[component] = Math.max(0, coresOf(heavy) - perDelivery * heavy.deliveredPerS);
  }
  return { per1k, fixedCores };
}

/**
 * Cores in use when `replicas` replicas run at `capCores` each: the deliveries/s those caps
 * carry at the replica's marginal cost, times the other components' cost per delivery, plus
 * what Redis, the proxy and the generator use regardless of load.
 */
export function coresAtCap(
  replicas: number,
  capCores: number,
  costs: Components,
  fixedCores: Components = { replica: 0, redis: 0, proxy: 0, load: 0 },
): number {
  if (costs.replica <= 0) return Number.POSITIVE_INFINITY;
  const deliveriesPerS = (replicas * capCores) / (costs.replica / 1e6);
  const others = (deliveriesPerS * (costs.redis + costs.proxy + costs.load)) / 1e6;
  return replicas * capCores + others + fixedCores.redis + fixedCores.proxy + fixedCores.load;
}

/**
 * The highest candidate cap at which every count fits in `machineShare` of `machineCores`; when
 * none fits them all, the lowest candidate, and the counts that do not fit at it are left out.
 */
export function chooseBudget(
  calibration: readonly [LoadStep] | readonly [LoadStep, LoadStep],
  counts: readonly number[],
  capCandidatesCores: readonly number[],
  machineCores: number,
  machineShare: number,
): Budget {
  const { per1k: costs, fixedCores } = costsOf(calibration[0], calibration[1]);
  const room = machineCores * machineShare;
  const fits = (cap: number, count: number) => coresAtCap(count, cap, costs, fixedCores) <= room;
  const sorted = [...capCandidatesCores].sort((a, b) => b - a);
  const cap = sorted.find((candidate) => counts.every((count) => fits(candidate, count))) ?? sorted.at(-1)!;
  return {
    calibrationOfferedPerS: calibration.at(-1)!.offeredDeliveriesPerS,
    cpuMsPer1kDeliveries: costs,
    fixedCores,
    machineShare,
    replicaCpuCores: cap,
    machineBound: counts.filter((count) => !fits(cap, count)),
  };
}
