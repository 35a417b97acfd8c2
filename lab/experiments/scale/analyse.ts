import { memoryLine } from '../../../loadtests/idle/ramp.js';
import { fitUnitCosts, predictMaxRate } from '../../capacity/model.js';
import { modelChecks } from '../../capacity/model-checks.js';
import { bracketOf } from '../../capacity/steps.js';
import type { Capacity, CapacityLimits, LoadStep, UnitCosts } from '../../report/capacity-schema.js';
import type { Curve } from './curve.js';
import type { IdleConnections } from './idle.js';
import { throttledShareOf } from './replica-cgroups.js';
import { CRITERIA, type Shape } from './shape.js';

type CountRow = Capacity['perReplicaCount'][number];

/**
 * One count's row from its steps: the bracket, the max sustained (the passing step's delivered
 * rate), what limited it, its throttling; and why it has no efficiency when it has none.
 */
export function countRow(count: number, steps: readonly LoadStep[], machineBound: boolean): CountRow {
  if (machineBound)
    return {
      replicas: count,
      maxSustainedDeliveriesPerS: 0,
      efficiency: null,
      limiting: 'machine',
      bracket: null,
      throttledShare: null,
      notMeasured: 'machine-bound: not measured (its replicas at their cap would not fit the budget)',
    };
  const { passing, failing } = bracketOf(steps.filter((step) => step.replicas === count));
  const limitingStep = failing ?? passing;
  const row: CountRow = {
    replicas: count,
    maxSustainedDeliveriesPerS: passing?.deliveredPerS ?? 0,
    efficiency: null,
    limiting: limitingStep?.limiting ?? 'none',
    bracket: passing
      ? { passingPerS: passing.offeredDeliveriesPerS, failingPerS: failing?.offeredDeliveriesPerS ?? null }
      : null,
    throttledShare: throttledShareOf(passing?.throttle),
    loadToReplicaCpu:
      passing && passing.cpuSeconds.replica > 0 ? passing.cpuSeconds.load / passing.cpuSeconds.replica : null,
  };
  if (!passing) return { ...row, notMeasured: 'no step passed' };
  if (!failing)
    return { ...row, notMeasured: `≥ ${Math.round(passing.offeredDeliveriesPerS)}/s, not bracketed` };
  if (failing.limiting === 'machine')
    return { ...row, notMeasured: 'machine-bound: every core was busy at the knee' };
  return row;
}

/** Per-count brackets, efficiency of the measured ones, the fitted model and its held-out check. */
export function analyse(
  curve: Curve,
  shape: Shape,
  fanout: number,
  limits: CapacityLimits,
  capped: boolean,
  idle: IdleConnections,
): Capacity {
  const { steps } = curve;
  const rows = shape.replicaCounts.map((count) =>
    countRow(count, steps, curve.budget.machineBound.includes(count)),
  );
  const measured = rows.filter((row) => row.notMeasured === undefined);
  const baseline = measured.find((row) => row.replicas === 1)?.maxSustainedDeliveriesPerS ?? 0;
  const maxima = new Map(measured.map((row) => [row.replicas, row.maxSustainedDeliveriesPerS]));
  const fitOn = shape.fitOn.filter((count) => maxima.has(count));
  const line = memoryLine(idle.points);
  let unitCosts: UnitCosts | undefined;
  try {
    unitCosts = fitUnitCosts(steps, fitOn, maxima, fanout, limits, {
      replicaMemoryKiBPerConnection: line.perConnectionMiB * 1024,
      replicaBaseMemoryMiB: line.baseMiB,
      proxyCpuMsPerConnection: idle.proxyCpuMsPerConnection,
      proxyMemoryKiBPerConnection: idle.proxyMemoryKiBPerConnection,
    });
  } catch {
    unitCosts = undefined; // no measured step on the fit counts: no model (the report says so)
  }
  const heldOutCount = shape.replicaCounts.find((count) => !shape.fitOn.includes(count) && maxima.has(count));
  const perReplicaCount = rows.map((row) => ({
    ...row,
    efficiency:
      row.notMeasured === undefined && baseline > 0
        ? row.maxSustainedDeliveriesPerS / (row.replicas * baseline)
        : null,
    ...(unitCosts && !shape.fitOn.includes(row.replicas) && row.notMeasured === undefined
      ? { predictedDeliveriesPerS: predictMaxRate(row.replicas, unitCosts, limits).deliveriesPerS }
      : {}),
  }));
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
            fittedOn: fitOn,
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
    budget: curve.budget,
    ...(unitCosts && heldOutCount !== undefined
      ? { modelChecks: modelChecks({ steps, limits }, unitCosts, heldOutCount) }
      : {}),
    ...(curve.baselineRunsPerS.length > 0 ? { baselineRunsPerS: curve.baselineRunsPerS } : {}),
    ...(curve.cfsPeriods.length > 0 ? { cfsPeriods: curve.cfsPeriods } : {}),
  };
}
