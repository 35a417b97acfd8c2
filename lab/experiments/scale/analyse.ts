import { memoryLine } from '../../../loadtests/idle/ramp.js';
import { fitUnitCosts, predictMaxRate } from '../../capacity/model.js';
import type { Capacity, CapacityLimits, LoadStep, UnitCosts } from '../../report/capacity-schema.js';
import type { IdleConnections } from './idle.js';
import { bestSustainable } from './search.js';
import { CRITERIA, type Shape } from './shape.js';

/** Per-count maxima, efficiency, limiting component, the fitted model and its held-out check. */
export function analyse(
  steps: LoadStep[],
  shape: Shape,
  fanout: number,
  limits: CapacityLimits,
  capped: boolean,
  idle: IdleConnections,
): Capacity {
  const maxima = new Map<number, number>();
  for (const count of shape.replicaCounts) {
    maxima.set(count, bestSustainable(steps.filter((step) => step.replicas === count))?.deliveredPerS ?? 0);
  }
  const line = memoryLine(idle.points);
  let unitCosts: UnitCosts | undefined;
  try {
    unitCosts = fitUnitCosts(steps, shape.fitOn, maxima, fanout, limits, {
      replicaMemoryKiBPerConnection: line.perConnectionMiB * 1024,
      replicaBaseMemoryMiB: line.baseMiB,
      proxyCpuMsPerConnection: idle.proxyCpuMsPerConnection,
      proxyMemoryKiBPerConnection: idle.proxyMemoryKiBPerConnection,
    });
  } catch {
    unitCosts = undefined; // no valid step on the fit counts: no model (the report says so)
  }
  const heldOutCount = shape.replicaCounts.find((count) => !shape.fitOn.includes(count));
  const throughput1 = maxima.get(1) ?? 0;
  const perReplicaCount = shape.replicaCounts.map((count) => {
    const ofCount = steps.filter((step) => step.replicas === count);
    const best = bestSustainable(ofCount);
    const firstFail = ofCount
      .filter((step) => !step.sustainable && step.offeredDeliveriesPerS > (best?.offeredDeliveriesPerS ?? 0))
      .sort((a, b) => a.offeredDeliveriesPerS - b.offeredDeliveriesPerS)[0];
    const max = maxima.get(count) ?? 0;
    return {
      replicas: count,
      maxSustainedDeliveriesPerS: max,
      efficiency: throughput1 > 0 ? max / (count * throughput1) : null,
      limiting: (firstFail ?? best ?? ofCount.at(-1))?.limiting ?? 'none',
      ...(unitCosts && !shape.fitOn.includes(count)
        ? { predictedDeliveriesPerS: predictMaxRate(count, unitCosts, limits).deliveriesPerS }
        : {}),
    };
  });
  const heldOutRow = perReplicaCount.find((row) => row.replicas === heldOutCount);
  const idleConnections = {
    replicaMemoryMiB: idle.replicaMemoryMiB,
    held: idle.held,
    ended: idle.ended,
    detail: idle.detail,
    points: idle.points,
  };
  return {
    capped,
    limits,
    boundP99Ms: CRITERIA.boundP99Ms,
    steps,
    perReplicaCount,
    ...(unitCosts ? { unitCosts } : {}),
    ...(heldOutRow?.predictedDeliveriesPerS !== undefined && heldOutRow.maxSustainedDeliveriesPerS > 0
      ? {
          heldOut: {
            fittedOn: shape.fitOn,
            replicas: heldOutRow.replicas,
            predictedDeliveriesPerS: heldOutRow.predictedDeliveriesPerS,
            measuredDeliveriesPerS: heldOutRow.maxSustainedDeliveriesPerS,
            errorPercent:
              ((heldOutRow.predictedDeliveriesPerS - heldOutRow.maxSustainedDeliveriesPerS) /
                heldOutRow.maxSustainedDeliveriesPerS) *
              100,
          },
        }
      : {}),
    idleConnections,
  };
}
