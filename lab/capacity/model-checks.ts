/**
 * The model checked where it was not fitted: the held-out count's measured bracket, and CPU per
 * component at two of that count's measured steps (predicted vs measured). `wslab plan` prints
 * which of these its costs passed.
 */
import type { Capacity, LoadStep, UnitCosts } from '../report/capacity-schema.js';
import { predictMaxRate, receiptsPerPublish } from './model.js';
import { bracketOf } from './steps.js';

export type ModelCheck = NonNullable<Capacity['modelChecks']>[number];

/** How far a prediction may be from the held-out bracket, and CPU from the measured CPU. */
export const MODEL_TOLERANCE = 0.1;

/** CPU cores per component the costs predict for a measured step (deliveries, publishes, receipts). */
export function predictedCores(step: LoadStep, costs: UnitCosts): LoadStep['cpuSeconds'] {
  const deliveries = step.deliveredPerS;
  const publishes = step.publishedPerS;
  const receipts = publishes * receiptsPerPublish(step.replicas, costs.fanout);
  return {
    replica:
      (deliveries * costs.replicaCpuMsPer1kDeliveries + receipts * costs.replicaCpuMsPer1kReceipts) / 1e6,
    redis: (publishes * costs.redisCpuUsPerPublish + receipts * costs.redisCpuUsPerReceipt) / 1e6,
    proxy: (deliveries * costs.proxyCpuMsPer1kDeliveries) / 1e6,
    load: (deliveries * costs.loadCpuMsPer1kDeliveries) / 1e6,
  };
}

const signed = (fraction: number) => `${fraction >= 0 ? '+' : ''}${Math.round(fraction * 100)}%`;

/** The two checks on the held-out count (none when it has no bracket: nothing to check against). */
export function modelChecks(
  capacity: Pick<Capacity, 'steps' | 'limits'>,
  costs: UnitCosts,
  heldOut: number,
): ModelCheck[] {
  const ofCount = capacity.steps.filter((step) => step.replicas === heldOut && step.repeated !== true);
  const { passing, failing } = bracketOf(ofCount);
  if (!passing || !failing) return [];
  const predicted = predictMaxRate(heldOut, costs, capacity.limits).deliveriesPerS;
  const low = passing.offeredDeliveriesPerS * (1 - MODEL_TOLERANCE);
  const high = failing.offeredDeliveriesPerS * (1 + MODEL_TOLERANCE);
  const checks: ModelCheck[] = [
    {
      name: `held-out ${heldOut} replicas: max rate in its bracket ±${MODEL_TOLERANCE * 100}%`,
      passed: predicted >= low && predicted <= high,
      detail: `predicted ${Math.round(predicted)}/s, bracket ${Math.round(passing.offeredDeliveriesPerS)}–${Math.round(failing.offeredDeliveriesPerS)}/s`,
    },
  ];
  // CPU at the two highest passing loads of the held-out count (steps the fit never saw)
  const loads = ofCount
    .filter((step) => step.sustainable && step.windowS > 0)
    .sort((a, b) => b.offeredDeliveriesPerS - a.offeredDeliveriesPerS)
    .slice(0, 2);
  for (const step of loads) {
    const cores = predictedCores(step, costs);
    const errors = (['replica', 'redis', 'proxy', 'load'] as const).map((component) => {
      const measured = step.cpuSeconds[component] / step.windowS;
      return { component, error: measured > 0 ? cores[component] / measured - 1 : 0 };
    });
    checks.push({
      name: `held-out ${heldOut} replicas at ${Math.round(step.offeredDeliveriesPerS)}/s: CPU per component within ${MODEL_TOLERANCE * 100}%`,
      passed: errors.every(({ error }) => Math.abs(error) <= MODEL_TOLERANCE),
      detail: errors.map(({ component, error }) => `${component} ${signed(error)}`).join(', '),
    });
  }
  return checks;
}
