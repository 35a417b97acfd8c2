import { defaultHeadline } from '../report/default-headline.js';
import type { WrittenReport } from '../report/write.js';
import { abuse } from './abuse/experiment.js';
import { validityChecker } from './check/validity.js';
import { deadReplica } from './dead-replica/experiment.js';
import type { Experiment } from './experiment.js';
import { failoverRedis } from './failover-redis/experiment.js';
import { failoverReplica } from './failover-replica/experiment.js';
import { fanoutMode } from './fanout-mode/experiment.js';
import { lossyLink } from './lossy-link/experiment.js';
import { partitionExperiment } from './partition/experiment.js';
import { proxyCompare } from './proxy-compare/experiment.js';
import { redisOutage } from './redis-outage/experiment.js';
import { type RunExperimentOptions, runExperiment } from './run-experiment.js';
import { scale } from './scale/experiment.js';
import { soak } from './soak/experiment.js';
import { stickyCompare } from './sticky-compare/experiment.js';
import { timeouts } from './timeouts/experiment.js';

/** Every experiment by name. */
export const EXPERIMENTS: Record<string, Experiment> = {
  [proxyCompare.name]: proxyCompare,
  [failoverReplica.name]: failoverReplica,
  [failoverRedis.name]: failoverRedis,
  [scale.name]: scale,
  [stickyCompare.name]: stickyCompare,
  [fanoutMode.name]: fanoutMode,
  [timeouts.name]: timeouts,
  [abuse.name]: abuse,
  [redisOutage.name]: redisOutage,
  [soak.name]: soak,
  [deadReplica.name]: deadReplica,
  [partitionExperiment.name]: partitionExperiment,
  [lossyLink.name]: lossyLink,
};

export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS);

/**
 * How a result of `name` is judged and shown: its experiment's checker and headline, or for a name
 * no experiment has any more, the shared validity checks and the default headline.
 */
export function interpretationOf(name: string): Pick<Experiment, 'check' | 'headline'> {
  return EXPERIMENTS[name] ?? { check: validityChecker, headline: defaultHeadline };
}

/** The set `npm start` runs: the headline questions, within ~5 minutes on a 2-core machine. */
export const HEADLINE_EXPERIMENTS = ['proxy-compare', 'failover-replica', 'scale'];

/** Resolves names ("headline" expands to the headline set); unknown names are an error listing the known ones. */
export function resolveExperiments(names: readonly string[]): Experiment[] {
  const expanded = names.flatMap((name) => (name === 'headline' ? HEADLINE_EXPERIMENTS : [name]));
  return expanded.map((name) => {
    const experiment = EXPERIMENTS[name];
    if (!experiment)
      throw new Error(`unknown experiment "${name}"; known: ${EXPERIMENT_NAMES.join(', ')}, headline`);
    return experiment;
  });
}

/** Runs experiments one after another and returns their reports. */
export async function runExperiments(
  names: readonly string[],
  options: Pick<RunExperimentOptions, 'mode' | 'reportsDir' | 'arrivals' | 'durationMs' | 'live'>,
): Promise<WrittenReport[]> {
  const experiments = resolveExperiments(names);
  const written: WrittenReport[] = [];
  for (const experiment of experiments) written.push(await runExperiment(experiment, options));
  return written;
}
