/**
 * The scaling curve: a calibration step and the budget it sets (budget.ts), then the bracketing
 * search per replica count (search.ts), the one-replica baseline searched twice, and p99 at one
 * quota in two CFS periods.
 */
import type { Capacity, LoadStep } from '../../report/capacity-schema.js';
import { chooseBudget } from './budget.js';
import { setReplicaCpu, throttledShareOf } from './replica-cgroups.js';
import {
  type CountSearch,
  measureConfirmed,
  measureStep,
  searchBracket,
  searchReplicaCount,
  warmUp,
} from './search.js';
import { DEFAULT_CPU_PERIOD_US, MACHINE_BUDGET_SHARE, SHORT_CPU_PERIOD_US } from './shape.js';

export interface Curve {
  steps: LoadStep[];
  budget: NonNullable<Capacity['budget']>;
  baselineRunsPerS: number[];
  cfsPeriods: NonNullable<Capacity['cfsPeriods']>;
}

/** Adds replicas up to `count`, each capped like the others. */
async function growTo(search: CountSearch, count: number): Promise<void> {
  const { topology, context, limits } = search;
  while (topology.replicas.length < count) {
    context.progress.phase(`adding replica ${topology.replicas.length + 1}`);
    await topology.addReplica();
  }
  setReplicaCpu(topology, limits.replicaCpuCores, search.cpuPeriodUs);
}

export async function measureCurve(search: CountSearch): Promise<Curve> {
  const { shape, limits, context, topology } = search;
  // the budget first: costs per delivery between two light steps on one replica (full: warmed up)
  const lightPerS = shape.firstOfferedDeliveriesPerS / 4;
  const heavyPerS = shape.firstOfferedDeliveriesPerS / 2;
  if (context.mode !== 'short') await warmUp(search, 1, heavyPerS);
  context.progress.phase('calibration');
  const light = await measureStep(search, 1, lightPerS, `1r calibration ${lightPerS}/s`);
  const heavy = await measureStep(search, 1, heavyPerS, `1r calibration ${heavyPerS}/s`);
  let budget = chooseBudget(
    [light, heavy],
    shape.replicaCounts,
    shape.capCandidatesCores,
    limits.machineCores,
    MACHINE_BUDGET_SHARE,
  );
  limits.replicaCpuCores = budget.replicaCpuCores;
  setReplicaCpu(topology, limits.replicaCpuCores, search.cpuPeriodUs);
  const steps: LoadStep[] = [];
  const baselineRunsPerS: number[] = [];
  let firstOffered = shape.firstOfferedDeliveriesPerS;
  let last: { count: number; passingPerS: number } | undefined;
  for (const count of shape.replicaCounts) {
    if (budget.machineBound.includes(count)) continue;
    await growTo(search, count);
    let outcome = await searchReplicaCount(
      search,
      count,
      firstOffered,
      count === 1 ? shape.search : shape.seededSearch,
    );
    if (count === 1 && outcome.passing) {
      // The replica's cost per delivery falls with the rate (more frames per write): the light
      // calibration overstates it, so more deliveries — and more generator, proxy and Redis CPU —
      // fit under a cap than it said. Budget again from the light step to the knee; when that
      // lowers the cap, search one replica again at the new cap (once; its first steps set aside).
      const again = chooseBudget(
        [light, outcome.passing],
        shape.replicaCounts,
        shape.capCandidatesCores.filter((cap) => cap <= limits.replicaCpuCores),
        limits.machineCores,
        MACHINE_BUDGET_SHARE,
      );
      if (again.replicaCpuCores < limits.replicaCpuCores) {
        const scaled =
          (outcome.passing.offeredDeliveriesPerS * again.replicaCpuCores) / limits.replicaCpuCores;
        budget = { ...again, recalibratedFromCores: limits.replicaCpuCores };
        limits.replicaCpuCores = again.replicaCpuCores;
        setReplicaCpu(topology, limits.replicaCpuCores, search.cpuPeriodUs);
        context.progress.phase(`budget at the knee: cap ${limits.replicaCpuCores} CPU, one replica again`);
        outcome = await searchReplicaCount(search, 1, scaled, shape.seededSearch);
      }
    }
    steps.push(...outcome.steps);
    if (!outcome.passing) continue;
    if (count === 1 && shape.repeatBaseline) {
      // the baseline's second search, from the first one's knee (its steps are not the curve's)
      context.progress.phase('baseline, second search');
      const again = await searchBracket(
        (offered) => measureConfirmed(search, 1, offered),
        outcome.passing.offeredDeliveriesPerS,
        { ...shape.seededSearch, climbFactor: 1 + shape.seededSearch.bracketTolerance, maxSteps: 5 },
      );
      baselineRunsPerS.push(outcome.passing.deliveredPerS, again.passing?.deliveredPerS ?? 0);
    }
    last = { count, passingPerS: outcome.passing.offeredDeliveriesPerS };
    firstOffered = (outcome.passing.offeredDeliveriesPerS * (count + 1)) / count;
  }
  const cfsPeriods: Curve['cfsPeriods'] = [];
  if (shape.comparePeriods && last) {
    // one quota, two periods, at 90% of the last count's knee: what the period alone does to p99
    const offered = Math.round(last.passingPerS * 0.9);
    for (const periodUs of [DEFAULT_CPU_PERIOD_US, SHORT_CPU_PERIOD_US]) {
      search.cpuPeriodUs = periodUs;
      setReplicaCpu(topology, limits.replicaCpuCores, periodUs);
      context.progress.phase(`CFS period ${periodUs / 1000} ms`);
      const step = await measureStep(
        search,
        last.count,
        offered,
        `${last.count}r CFS period ${periodUs / 1000} ms, ${offered}/s`,
      );
      cfsPeriods.push({
        periodUs,
        replicas: last.count,
        offeredDeliveriesPerS: offered,
        p99Ms: step.p99Ms,
        throttledShare: throttledShareOf(step.throttle),
        throttledS: step.throttle?.throttledS ?? 0,
      });
    }
    search.cpuPeriodUs = DEFAULT_CPU_PERIOD_US;
    setReplicaCpu(topology, limits.replicaCpuCores, DEFAULT_CPU_PERIOD_US);
  }
  return { steps, budget, baselineRunsPerS, cfsPeriods };
}
