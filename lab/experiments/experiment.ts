import type { ArrivalModel } from '../../loadtests/scenarios/arrivals.js';
import type { LiveCollector } from '../live/collector.js';
import type { Capacity } from '../report/capacity-schema.js';
import type { Headline } from '../report/headline.js';
import type { RunResultInput } from '../report/schema.js';
import type { Progress } from '../ui/progress.js';
import type { Checker } from './check/checker.js';

export type ExperimentMode = 'short' | 'full';

/** What an experiment's measure phase gets to run with. */
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

/** What the measure phase hands back: raw figures only; what they mean is the checker's to say. */
export interface Measured {
  parameters?: Record<string, string | number | boolean | null>;
  runs: RunResultInput[];
  notes?: string[];
  /** Components that crashed or restarted unasked (pids before vs after): judged by the checker. */
  restarted?: string[];
  /** Scale's capacity figures (unit costs, per-count maxima): saved in result.json for `wslab plan`. */
  capacity?: Capacity;
}

/**
 * One experiment, in the shape of a Jepsen test: the runner walks its phases (topology → measure
 * → store result.json → check → render). `measure` starts its cases' topologies and runs their
 * load and fault schedules; `check` judges result.json alone, so `wslab report` can re-judge a run;
 * `headline` is the chart and verdict table its report opens with.
 */
export interface Experiment {
  name: string;
  title: string;
  /** The question it answers, in one sentence. */
  question: string;
  measure(context: ExperimentContext): Promise<Measured>;
  check: Checker;
  headline: Headline;
}
