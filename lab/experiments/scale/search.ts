import type { StreamParams } from '../../../loadtests/scenarios/definition.js';
import type { MachineCpuMeter } from '../../../observe/machine-cpu.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { stepOf } from '../../capacity/steps.js';
import type { CapacityLimits, LoadStep } from '../../report/capacity-schema.js';
import type { RunResultInput } from '../../report/schema.js';
import type { ExperimentContext } from '../experiment.js';
import { describeLoad } from '../shared/load-sizes.js';
import { measureRun } from '../shared/measure.js';
import { CRITERIA, LOAD_LAG_BOUND_P99_MS, OTHERS_RETRY_SHARE, type Shape } from './shape.js';

/**
 * Stepped offered load for one replica count: up by ×1.3 while sustainable, down by ×0.7 while
 * not, then one step halfway between the best sustainable and the first unsustainable one.
 */
export async function searchMaxRate(
  measureAt: (offeredPerS: number) => Promise<LoadStep>,
  firstOfferedPerS: number,
  maxSteps: number,
): Promise<LoadStep[]> {
  const steps: LoadStep[] = [];
  let offered = firstOfferedPerS;
  for (let index = 0; index < maxSteps; index += 1) {
    const step = await measureAt(Math.round(offered));
    steps.push(step);
    const best = bestSustainable(steps);
    const firstFail = steps
      .filter((s) => !s.sustainable && s.offeredDeliveriesPerS > (best?.offeredDeliveriesPerS ?? 0))
      .sort((a, b) => a.offeredDeliveriesPerS - b.offeredDeliveriesPerS)[0];
    if (best === undefined) offered *= 0.7;
    else if (firstFail === undefined) offered = best.offeredDeliveriesPerS * 1.3;
    else if (firstFail.offeredDeliveriesPerS / best.offeredDeliveriesPerS < 1.12) break;
    else offered = (best.offeredDeliveriesPerS + firstFail.offeredDeliveriesPerS) / 2;
  }
  return steps;
}

export function bestSustainable(steps: readonly LoadStep[]): LoadStep | undefined {
  return steps.filter((step) => step.sustainable).sort((a, b) => b.deliveredPerS - a.deliveredPerS)[0];
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
}

/** One measured step at `offered` deliveries/s, its run kept with the step's figures as metrics. */
async function measureStep(search: CountSearch, count: number, offered: number): Promise<LoadStep> {
  const { topology, context, baseLoad, fanout, limits, meter } = search;
  const load = { ...baseLoad, ratePerPublisher: offered / fanout / (baseLoad.publishers ?? 1) };
  const calledAtMs = Date.now();
  const run = await measureRun({
    topology,
    label: `${count}r ${Math.round(offered)} deliveries/s offered`,
    parameters: {
      replicas: count,
      load: describeLoad(load),
      proxy: 'haproxy',
      offeredDeliveriesPerS: offered,
    },
    urls: [topology.proxy('haproxy').wsUrl],
    scenario: 'fanout',
    load,
    progress: context.progress,
    clients: { maxLagP99Ms: LOAD_LAG_BOUND_P99_MS },
  });
  const step = stepOf(run, count, offered, limits, CRITERIA, (fromMs, toMs) =>
    meter.busyFraction(calledAtMs + fromMs, calledAtMs + toMs),
  );
  run.metrics = {
    ...run.metrics,
    sustainable: step.sustainable ? 1 : 0,
    replicaCpuUtilization: step.utilization.replica,
    redisCpuUtilization: step.utilization.redis,
    proxyCpuUtilization: step.utilization.proxy,
    machineCpuUtilization: step.utilization.machine,
  };
  search.runs.push(run);
  return step;
}

/**
 * One replica count: a warm-up (full mode: a fresh replica runs unoptimized code at first), then
 * the stepped search from `firstOffered` deliveries/s. A failed step while other processes took
 * the machine is measured again, once (full mode only: short mode keeps CI's time).
 */
export async function searchReplicaCount(
  search: CountSearch,
  count: number,
  firstOffered: number,
): Promise<LoadStep[]> {
  const { context, topology, shape, baseLoad, fanout } = search;
  const short = context.mode === 'short';
  if (!short) {
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
        ratePerPublisher: firstOffered / 2 / fanout / (baseLoad.publishers ?? 1),
      },
      progress: context.progress,
    });
  }
  return searchMaxRate(
    async (offered) => {
      const label = `${count}r ${Math.round(offered)} deliveries/s offered`;
      context.progress.phase(`run ${label}`);
      let step = await measureStep(search, count, offered);
      if (!short && !step.sustainable && step.utilization.others >= OTHERS_RETRY_SHARE) {
        const first = search.runs.at(-1)!;
        first.label = `${first.label} (other processes busy: repeated)`;
        context.progress.phase(`repeat ${label}`);
        step = await measureStep(search, count, offered);
      }
      return step;
    },
    firstOffered,
    shape.maxSteps,
  );
}
