import { join } from 'node:path';
import { Topology } from '../../../runtime/local/local-topology.js';
import type { TopologySpecInput } from '../../../topology/spec.js';
import { topologySource } from '../../live/collector.js';
import type { ExperimentContext } from '../experiment.js';

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

/** The topology phase: starts `spec` under the experiment's work dir, runs `body`, always stops it. */
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
