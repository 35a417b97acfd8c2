import { availableParallelism } from 'node:os';
import { MachineCpuMeter } from '../../../observe/machine-cpu.js';
import { topologySampler } from '../../../observe/topology-sampler.js';
import { cgroupSupport } from '../../../runtime/cgroup-support.js';
import type { TopologySpecInput } from '../../../topology/spec.js';
import type { CapacityLimits } from '../../report/capacity-schema.js';
import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { streamLoad } from '../shared/load-sizes.js';
import { withTopology } from '../shared/with-topology.js';
import { analyse } from './analyse.js';
import { scaleChecker } from './checker.js';
import { type Curve, measureCurve } from './curve.js';
import { scaleHeadline } from './headline.js';
import { measureIdleConnections } from './idle.js';
import { measureScaleOut } from './scale-out.js';
import {
  CRITERIA,
  DEFAULT_CPU_PERIOD_US,
  LOAD_LAG_BOUND_P99_MS,
  MACHINE_BUDGET_SHARE,
  REPLICA_CPU_CORES,
  REPLICA_MEMORY_MIB,
  shapeOf,
} from './shape.js';

/** One HAProxy in front of capped replicas (added between searches), one Redis. */
const SPEC: TopologySpecInput = {
  proxy: 'haproxy',
  replicas: 1,
  redisMode: 'single',
  stickiness: 'none',
  // the rising load must not be capped by the per-connection publish limit
  publishRatePerS: 1000,
  publishBurst: 2000,
  replicaCpuCores: REPLICA_CPU_CORES,
  replicaMemoryMiB: REPLICA_MEMORY_MIB,
};

/**
 * Scaling with capped replicas: for 1..N replicas at 0.25 CPU each, the maximum sustainable
 * delivered rate by stepping the offered load (search.ts), the efficiency, the limiting component
 * at each step, a capacity model fitted on some counts and checked on one it has not seen
 * (analyse.ts), a scale-out under load (scale-out.ts), and how many idle connections one
 * memory-capped replica holds (idle.ts).
 */
export const scale: Experiment = {
  name: 'scale',
  title: 'Scaling: capped replicas, max sustainable rate, and a capacity model',
  question:
    'With each replica capped like a container (a CPU quota sized so every count fits the machine), how much sustainable delivered throughput does each added replica buy, what limits it, and can a model of measured unit costs predict it?',
  async measure(context) {
    const shape = shapeOf(context);
    const capped = cgroupSupport().kind !== 'none';
    // Redis and the proxy run uncapped (measured): Redis executes commands on one thread, the
    // proxy on its workers (one here), so one core each is what they can use.
    const limits: CapacityLimits = {
      replicaCpuCores: REPLICA_CPU_CORES,
      redisCpuCores: 1,
      proxyCpuCores: 1,
      machineCores: availableParallelism(),
    };
    const baseLoad = streamLoad(context, { durationMs: shape.durationMs });
    const fanout = (baseLoad.subscribers ?? 1) / (baseLoad.rooms ?? 1);
    const runs: RunResultInput[] = [];
    const meter = new MachineCpuMeter();
    let curve: Curve | undefined;
    await withTopology(context, 'scale', SPEC, async (topology) => {
      // the machine's CPU from the run's one sampler (it reads /proc/stat with every pass)
      meter.follow(topologySampler(topology));
      const search = {
        ...{ context, topology, shape, limits, baseLoad, fanout, meter, runs },
        cpuPeriodUs: DEFAULT_CPU_PERIOD_US,
      };
      curve = await measureCurve(search);
      runs.push(await measureScaleOut(context, topology));
    });
    meter.stop();
    const idle = await measureIdleConnections(context, shape, SPEC);
    return {
      parameters: {
        replicaCounts: shape.replicaCounts.join(','),
        proxy: 'haproxy',
        replicaCpuCores: limits.replicaCpuCores,
        capped,
        boundP99Ms: CRITERIA.boundP99Ms,
        fanout,
      },
      runs,
      notes: [
        capped
          ? `Each replica ran in its own cgroup with a CFS quota of ${limits.replicaCpuCores} CPU per ${DEFAULT_CPU_PERIOD_US / 1000} ms period (what \`docker run --cpus ${limits.replicaCpuCores}\` sets), the cap chosen by the budget so every count fits in ${MACHINE_BUDGET_SHARE * 100}% of the machine; Redis, HAProxy and the load generator ran uncapped and were measured.`
          : 'UNCAPPED: no cgroup was usable on this machine, so every figure here is uncapped (the replicas shared the cores freely); the scaling and the model do not describe capped replicas.',
        `Sustainable: no message lost, the load generator on schedule (scheduling lag p99 ≤ ${LOAD_LAG_BOUND_P99_MS} ms), ≥ ${CRITERIA.minDeliveredFraction * 100}% of the offered rate delivered, p99 ≤ ${CRITERIA.boundP99Ms} ms.`,
        'Replicas are added to the running topology between searches (HAProxy reloaded with the new backend list).',
      ],
      capacity: analyse(curve!, shape, fanout, limits, capped, idle),
    };
  },
  check: compose(validityChecker, scaleChecker),
  headline: scaleHeadline,
};
