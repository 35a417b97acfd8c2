import type { StreamParams } from '../../../loadtests/scenarios/definition.js';
import type { MachineCpuMeter } from '../../../observe/machine-cpu.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { bracketOf, countedSteps, stepOf } from '../../capacity/steps.js';
import type { CapacityLimits, LoadStep } from '../../report/capacity-schema.js';
import type { RunResultInput } from '../../report/schema.js';
import type { ExperimentContext } from '../experiment.js';
import { describeLoad } from '../shared/load-sizes.js';
import { measureRun } from '../shared/measure.js';
import { replicaThrottle, throttleDelta } from './replica-cgroups.js';
import { CRITERIA, LOAD_LAG_BOUND_P99_MS, type SearchPlan, type Shape } from './shape.js';

/** The knee between a passing and a failing step, and every step measured on the way. */
export interface SearchOutcome extends ReturnType<typeof bracketOf> {
  steps: LoadStep[];
}

/**
 * Brackets the knee of one replica count: a coarse climb (× `climbFactor` while steps pass, ÷
 * while none has), then bisection (geometric midpoint) until the lowest failing offered rate is
 * within `bracketTolerance` of the highest passing one. `measureAt` repeats a failed step once
 * before it counts (searchReplicaCount), so one noisy step neither ends the climb nor the bracket.
 */
export async function searchBracket(
  measureAt: (offeredPerS: number) => Promise<LoadStep[]>,
  firstOfferedPerS: number,
  plan: SearchPlan,
): Promise<SearchOutcome> {
  const steps: LoadStep[] = [];
  let offered = Math.min(firstOfferedPerS, plan.maxOfferedPerS);
  while (countedSteps(steps).length < plan.maxSteps) {
    steps.push(...(await measureAt(Math.round(offered))));
    const { passing, failing } = bracketOf(steps);
    if (passing === undefined) {
      // failing at the floor: nothing lower would be judged
      if ((failing?.offeredDeliveriesPerS ?? offered) <= plan.minOfferedPerS) break;
      offered = Math.max(plan.minOfferedPerS, (failing?.offeredDeliveriesPerS ?? offered) / plan.climbFactor);
    } else if (failing === undefined) {
      // passing at the top of the range: "≥ X, not bracketed"
      if (passing.offeredDeliveriesPerS >= plan.maxOfferedPerS) break;
      offered = Math.min(passing.offeredDeliveriesPerS * plan.climbFactor, plan.maxOfferedPerS);
    } else if (failing.offeredDeliveriesPerS <= passing.offeredDeliveriesPerS * (1 + plan.bracketTolerance))
      break;
    else offered = Math.sqrt(passing.offeredDeliveriesPerS * failing.offeredDeliveriesPerS);
  }
  return { steps, ...bracketOf(steps) };
}

/** What one replica count's search runs on, and where its measured runs go. */
export interface CountSearch {
  context: ExperimentContext;
  topology: Topology;
  shape: Shape;
  limits: CapacityLimits;
  baseLoad: Partial<StreamParams>;
  /** Subscribers per room: offered deliveries/s = publishes/s × fanout. */
  fanout: number;
  /** The whole machine's busy share, to tell other processes' load from ours. */
  meter: MachineCpuMeter;
  /** Every measured step's run, kept for the report. */
  runs: RunResultInput[];
  /** The CFS period the replicas' quota is counted in now (µs). */
  cpuPeriodUs: number;
}

/** One measured step at `offered` deliveries/s, its run kept with the step's figures as metrics. */
export async function measureStep(
  search: CountSearch,
  count: number,
  offered: number,
  label = `${count}r ${Math.round(offered)} deliveries/s offered`,
): Promise<LoadStep> {
  const { topology, context, baseLoad, fanout, limits, meter } = search;
  const load = { ...baseLoad, ratePerPublisher: offered / fanout / (baseLoad.publishers ?? 1) };
  const calledAtMs = Date.now();
  const throttleBefore = replicaThrottle(topology);
  const run = await measureRun({
    topology,
    label,
    parameters: {
      replicas: count,
      load: describeLoad(load),
      proxy: 'haproxy',
      offeredDeliveriesPerS: offered,
      cpuPeriodUs: search.cpuPeriodUs,
    },
    urls: [topology.proxy('haproxy').wsUrl],
    scenario: 'fanout',
    load,
    progress: context.progress,
    clients: { maxLagP99Ms: LOAD_LAG_BOUND_P99_MS },
  });
  // (the counters cover the whole run, connecting included: throttling happens under load only)
  const throttle = throttleDelta(throttleBefore, replicaThrottle(topology));
  const step: LoadStep = {
    ...stepOf(run, count, offered, limits, CRITERIA, (fromMs, toMs) =>
      meter.busyFraction(calledAtMs + fromMs, calledAtMs + toMs),
    ),
    ...(throttle ? { throttle } : {}),
    cpuPeriodUs: search.cpuPeriodUs,
  };
  run.metrics = {
    ...run.metrics,
    sustainable: step.sustainable ? 1 : 0,
    replicaCpuUtilization: step.utilization.replica,
    redisCpuUtilization: step.utilization.redis,
    proxyCpuUtilization: step.utilization.proxy,
    machineCpuUtilization: step.utilization.machine,
    ...(throttle ? { throttledPeriods: throttle.throttledPeriods, throttledS: throttle.throttledS } : {}),
  };
  search.runs.push(run);
  return step;
}

/** A step, and once more when it failed: the repeat is what counts (the first is kept, marked). */
export async function measureConfirmed(
  search: CountSearch,
  count: number,
  offered: number,
): Promise<LoadStep[]> {
  const label = `${count}r ${Math.round(offered)} deliveries/s offered`;
  search.context.progress.phase(`run ${label}`);
  const first = await measureStep(search, count, offered);
  if (first.sustainable) return [first];
  search.runs.at(-1)!.label = `${label} (failed: repeated)`;
  search.context.progress.phase(`repeat ${label}`);
  const again = await measureStep(search, count, offered, `${label} (repeat)`);
  return [{ ...first, repeated: true }, again];
}

/** A warm-up run (a fresh replica runs unoptimized code at first): not a step. */
export async function warmUp(search: CountSearch, count: number, offeredPerS: number): Promise<void> {
  const { context, topology, shape, baseLoad, fanout } = search;
  context.progress.phase(`warm-up ${count}r`);
  await measureRun({
    topology,
    label: `${count}r warm-up`,
    parameters: { replicas: count },
    urls: [topology.proxy('haproxy').wsUrl],
    scenario: 'fanout',
    load: {
      ...baseLoad,
      durationMs: shape.durationMs / 2,
      ratePerPublisher: offeredPerS / fanout / (baseLoad.publishers ?? 1),
    },
    progress: context.progress,
  });
}

/**
 * One replica count: (full mode) a warm-up of the replica just added — the first one warmed up
 * before the calibration — then the bracketing search from `firstOffered`.
 */
export async function searchReplicaCount(
  search: CountSearch,
  count: number,
  firstOffered: number,
  plan: SearchPlan = search.shape.search,
): Promise<SearchOutcome> {
  if (search.context.mode !== 'short' && count > 1) await warmUp(search, count, firstOffered / 2);
  return searchBracket((offered) => measureConfirmed(search, count, offered), firstOffered, plan);
}
