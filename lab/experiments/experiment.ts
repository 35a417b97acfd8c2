import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArrivalModel } from '../../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../../loadtests/scenarios/definition.js';
import { Topology } from '../../runtime/local/local-topology.js';
import type { TopologySpecInput } from '../../topology/spec.js';
import type { Capacity } from '../capacity/schema.js';
import { labDir } from '../cli/state.js';
import { type LiveCollector, topologySource } from '../live/collector.js';
import { describeMachine } from '../report/machine.js';
import type { ExperimentResultInput, RunResultInput } from '../report/schema.js';
import { reportDirName, type WrittenReport, writeReport } from '../report/write.js';
import { createProgress, type Progress } from '../ui/progress.js';

export type ExperimentMode = 'short' | 'full';

/** What an experiment gets to run with. */
export interface ExperimentContext {
  mode: ExperimentMode;
  /** When the load's publishers send (uniform, poisson, burst): part of every run's offered load. */
  arrivals: ArrivalModel;
  /** Scratch dir for its topologies (configs, logs, Redis data). */
  workDir: string;
  progress: Progress;
  /** `wslab run --duration`: how long a duration-driven experiment (soak) runs; unset = its mode's default. */
  durationMs?: number;
  /** The live view's collector, when one is served (`wslab run`): each topology is attached to it. */
  live?: LiveCollector;
  /** The `auth` of every topology started (withTopology adds to it): the report states it. */
  authModes?: Set<string>;
}

/** What an experiment hands back: the runs it measured and what they mean. */
export interface ExperimentOutput {
  parameters?: Record<string, string | number | boolean | null>;
  runs: RunResultInput[];
  conclusions: string[];
  notes?: string[];
  /** Scale's capacity figures (unit costs, per-count maxima): saved in result.json for `wslab plan`. */
  capacity?: Capacity;
}

/** One experiment module: its topology, load, fault schedule and what it collects live in `run`. */
export interface Experiment {
  name: string;
  title: string;
  /** The question it answers, in one sentence. */
  question: string;
  run(context: ExperimentContext): Promise<ExperimentOutput>;
}

/**
 * Spec values every experiment starts from, chosen for the 2-core machine the lab shares with
 * its load: one proxy worker, replica logs at warn (logging must not cost measured CPU), and a
 * 2 s drain so drains and stops stay short. An experiment's own spec values win.
 */
export const EXPERIMENT_SPEC = {
  proxyWorkers: 1,
  logLevel: 'warn',
  drainWindowMs: 2_000,
} as const satisfies TopologySpecInput;

/** Starts a topology for `spec` under the experiment's work dir, runs `body`, always stops it. */
export async function withTopology<T>(
  context: ExperimentContext,
  name: string,
  spec: TopologySpecInput,
  body: (topology: Topology) => Promise<T>,
): Promise<T> {
  context.progress.phase(`starting topology ${name}`);
  const topology = await Topology.start({ ...EXPERIMENT_SPEC, ...spec, dir: join(context.workDir, name) });
  context.authModes?.add(topology.spec.auth);
  context.live?.attach(topologySource(topology));
  try {
    return await body(topology);
  } finally {
    context.live?.detach();
    await topology.stop();
  }
}

export interface RunExperimentOptions {
  mode: ExperimentMode;
  /** Arrival model of every load run. Default: the runner's (uniform). */
  arrivals?: ArrivalModel;
  /** Parent of the report directory. Default `reports`. */
  reportsDir?: string;
  progress?: Progress;
  /** See ExperimentContext.durationMs. */
  durationMs?: number;
  /** Feeds the live view (phases, faults, each topology) when given. */
  live?: LiveCollector;
}

/** The terminal progress, with phases and faults also sent to the live view. */
function withLiveView(progress: Progress, live: LiveCollector | undefined, name: string): Progress {
  if (!live) return progress;
  return {
    phase: (text) => {
      progress.phase(text);
      live.phase(`${name}: ${text}`);
    },
    update: (detail) => progress.update(detail),
    close: () => progress.close(),
    event: (kind, detail) => {
      progress.event?.(kind, detail);
      live.event(kind, detail);
    },
  };
}

/** Runs one experiment and writes reports/<timestamp>-<name>/ (result.json, report.md, charts, index.html). */
export async function runExperiment(
  experiment: Experiment,
  options: RunExperimentOptions,
): Promise<WrittenReport> {
  const startedAt = new Date();
  const dirName = reportDirName(experiment.name, startedAt);
  const workDir = join(labDir(), 'runs', dirName);
  mkdirSync(workDir, { recursive: true });
  const progress = withLiveView(
    options.progress ?? createProgress({ label: experiment.name }),
    options.live,
    experiment.name,
  );
  try {
    const arrivals = options.arrivals ?? STREAM_DEFAULTS.arrivals;
    const authModes = new Set<string>();
    const output = await experiment.run({
      authModes,
      mode: options.mode,
      arrivals,
      workDir,
      progress,
      ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
      ...(options.live ? { live: options.live } : {}),
    });
    const finishedAt = new Date();
    const result: ExperimentResultInput = {
      schemaVersion: 1,
      experiment: experiment.name,
      mode: options.mode,
      title: experiment.title,
      question: experiment.question,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      machine: describeMachine(),
      parameters: {
        mode: options.mode,
        arrivals,
        auth: [...authModes].sort().join(',') || 'n/a',
        ...output.parameters,
      },
      runs: output.runs,
      conclusions: output.conclusions,
      notes: [
        ...(options.mode === 'short' ? ['Short mode: seconds per run, figures are indicative only.'] : []),
        ...(authModes.has('none')
          ? ['auth: none — a topology of this run was open: anyone could connect, join and publish.']
          : []),
        ...(output.notes ?? []),
      ],
      ...(output.capacity ? { capacity: output.capacity } : {}),
    };
    progress.phase('writing report');
    return await writeReport(join(options.reportsDir ?? 'reports', dirName), result);
  } finally {
    progress.close();
  }
}
