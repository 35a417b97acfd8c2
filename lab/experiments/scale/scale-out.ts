import { ConnectionsPoller } from '../../../observe/connections.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { scaleOut } from '../../faults/scale-out.js';
import type { RunResultInput } from '../../report/schema.js';
import type { ExperimentContext } from '../experiment.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { measureRun } from '../shared/measure.js';

/** Scale-out with its own connections poller (the rebalance targets come from it). */
async function scaleOutFault(topology: Topology) {
  const poller = new ConnectionsPoller(() =>
    topology.replicas
      .filter((slot) => slot.handle?.process.running)
      .map((slot) => ({ id: slot.id, httpUrl: slot.httpUrl })),
  );
  return scaleOut(topology, { poller, windowMs: 1_000, timeoutMs: 12_000 });
}

/** Scale-out under load: one more replica a quarter into the run, then loaded replicas shed clients toward it. */
export async function measureScaleOut(
  context: ExperimentContext,
  topology: Topology,
): Promise<RunResultInput> {
  const before = topology.replicas.length;
  // full: long enough for a replica capped at 0.25 CPU to start (it compiles its TypeScript at
  // a quarter core: ~7 s) and for the rebalance to finish while the load still runs
  const load = streamLoad(context, { durationMs: context.mode === 'short' ? 10_000 : 20_000 });
  context.progress.phase(`run scale-out ${before}→${before + 1} with rebalance`);
  return measureRun({
    topology,
    label: `scale-out ${before}→${before + 1}`,
    parameters: { replicas: null, load: describeLoad(load), proxy: 'haproxy', scaleOut: true },
    urls: [topology.proxy('haproxy').wsUrl],
    scenario: 'failover',
    load,
    faults: [
      {
        atMs: Math.round((load.durationMs ?? 0) / 4),
        fault: 'scale-out',
        target: `replica ${before + 1} (new), rebalanced from the loaded ones`,
        run: scaleOutFault,
      },
    ],
    progress: context.progress,
  });
}
