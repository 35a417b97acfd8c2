/**
 * An experiment's cases as data: each topology it starts (a spec) and the runs on it (label,
 * parameters, where the clients connect, the load, and a fault schedule with its target). One
 * function runs them all through the topology and measure phases.
 */
import type { StreamParams } from '../../../loadtests/scenarios/definition.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { TopologySpecInput } from '../../../topology/spec.js';
import type { RunResultInput } from '../../report/schema.js';
import type { ExperimentContext } from '../experiment.js';
import { type FaultStep, type MeasureOptions, measureRun } from './measure.js';
import { withTopology } from './with-topology.js';

/** One measured run of a case: its load, where it connects and what is done to it when. */
export interface RunCase {
  label: string;
  parameters: MeasureOptions['parameters'];
  /** Where the load clients connect on the running topology (a proxy, or every replica). */
  urls: (topology: Topology) => string[];
  scenario: MeasureOptions['scenario'];
  load: Partial<StreamParams>;
  clients?: MeasureOptions['clients'];
  redisTraffic?: boolean;
  /** The fault schedule: each step names its fault and target and runs at `atMs` after publishing starts. */
  faults?: FaultStep[];
  /** Changes the running topology before this run (stickiness, an added replica). */
  prepare?: (topology: Topology) => Promise<void>;
}

/** One topology and the runs measured on it, in order. */
export interface TopologyCase {
  name: string;
  spec: TopologySpecInput;
  runs: RunCase[];
}

/** The topology and measure phases of cases given as data: each topology started, its runs measured, stopped. */
export async function measureCases(
  context: ExperimentContext,
  cases: readonly TopologyCase[],
): Promise<RunResultInput[]> {
  const measured: RunResultInput[] = [];
  for (const topologyCase of cases) {
    await withTopology(context, topologyCase.name, topologyCase.spec, async (topology) => {
      for (const run of topologyCase.runs) {
        await run.prepare?.(topology);
        const faults = run.faults ?? [];
        context.progress.phase(
          `run ${run.label}${faults.map((step) => `: ${step.fault} (${step.target}) at ${step.atMs} ms`).join('')}`,
        );
        measured.push(
          await measureRun({
            topology,
            label: run.label,
            parameters: run.parameters,
            urls: run.urls(topology),
            scenario: run.scenario,
            load: run.load,
            faults,
            progress: context.progress,
            ...(run.clients ? { clients: run.clients } : {}),
            ...(run.redisTraffic ? { redisTraffic: true } : {}),
          }),
        );
      }
    });
  }
  return measured;
}
