import { rampIdleConnections } from '../../../loadtests/idle/ramp.js';
import { CLOCK_TICKS_PER_S, processTree, readAllProcStats } from '../../../runtime/proc.js';
import type { TopologySpecInput } from '../../../topology/spec.js';
import type { Capacity } from '../../report/capacity-schema.js';
import type { ExperimentContext } from '../experiment.js';
import { withToken } from '../shared/measure.js';
import { withTopology } from '../shared/with-topology.js';
import type { Shape } from './shape.js';

/** CPU seconds of a process and its children so far (the proxy's master and workers). */
async function treeCpuSeconds(pid: number): Promise<{ cpuS: number; rssMiB: number }> {
  const tree = processTree(pid, await readAllProcStats());
  return {
    cpuS: tree.reduce((sum, stat) => sum + stat.cpuTicks, 0) / CLOCK_TICKS_PER_S,
    rssMiB: tree.reduce((sum, stat) => sum + stat.rssBytes, 0) / 1024 / 1024,
  };
}

/** One replica behind HAProxy with a memory cap: idle connections until refused, killed or the fd budget. */
export async function measureIdleConnections(
  context: ExperimentContext,
  shape: Shape,
  spec: TopologySpecInput,
): Promise<
  Capacity['idleConnections'] & { proxyCpuMsPerConnection: number; proxyMemoryKiBPerConnection: number }
> {
  return withTopology(
    context,
    'scale-idle',
    { ...spec, replicas: 1, replicaMemoryMiB: shape.idle.memoryMiB },
    async (topology) => {
      const slot = topology.replicas[0]!;
      const process = slot.handle!.process;
      const proxy = topology.proxy('haproxy');
      context.progress.phase(`idle connections on one replica capped at ${shape.idle.memoryMiB} MiB`);
      const proxyBefore = await treeCpuSeconds(proxy.pid);
      const ramp = await rampIdleConnections(proxy.wsUrl, {
        batch: shape.idle.batch,
        maxConnections: shape.idle.maxConnections,
        rooms: 50,
        readMemoryMiB: () => {
          const bytes = process.cgroup?.memoryUsageBytes();
          return bytes === undefined ? undefined : bytes / 1024 / 1024;
        },
        exitReason: () => process.exitReason,
        ...withToken(await topology.clientToken()),
      });
      const proxyAfter = await treeCpuSeconds(proxy.pid);
      const opened = Math.max(1, ramp.points.at(-1)?.connections ?? ramp.held);
      return {
        replicaMemoryMiB: shape.idle.memoryMiB,
        held: ramp.held,
        ended: ramp.ended,
        detail: ramp.detail,
        points: ramp.points,
        proxyCpuMsPerConnection: ((proxyAfter.cpuS - proxyBefore.cpuS) * 1000) / opened,
        proxyMemoryKiBPerConnection: (Math.max(0, proxyAfter.rssMiB - proxyBefore.rssMiB) * 1024) / opened,
      };
    },
  );
}

export type IdleConnections = Awaited<ReturnType<typeof measureIdleConnections>>;
