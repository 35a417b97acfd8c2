/** The replicas' CFS caps from the lab's side: set them on running replicas, read their throttling. */
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { LoadStep } from '../../report/capacity-schema.js';

type Throttle = NonNullable<LoadStep['throttle']>;

const cgroupsOf = (topology: Topology) =>
  topology.replicas.flatMap((slot) => {
    const cgroup = slot.handle?.process.running ? slot.handle.process.cgroup : undefined;
    return cgroup ? [cgroup] : [];
  });

/** Caps every running replica at `cpuCores` per `periodUs` (the budget's cap, or a period under test). */
export function setReplicaCpu(topology: Topology, cpuCores: number, periodUs: number): void {
  for (const cgroup of cgroupsOf(topology)) cgroup.setCpu(cpuCores, periodUs);
}

/** The replicas' CFS counters summed now (undefined: no replica is in a cgroup: uncapped). */
export function replicaThrottle(topology: Topology): Throttle | undefined {
  const cgroups = cgroupsOf(topology);
  if (cgroups.length === 0) return undefined;
  return cgroups
    .map((cgroup) => cgroup.cpuThrottle())
    .reduce((sum, t) => ({
      periods: sum.periods + t.periods,
      throttledPeriods: sum.throttledPeriods + t.throttledPeriods,
      throttledS: sum.throttledS + t.throttledS,
    }));
}

/** What the counters grew by between two readings. */
export function throttleDelta(
  before: Throttle | undefined,
  after: Throttle | undefined,
): Throttle | undefined {
  if (!before || !after) return undefined;
  return {
    periods: Math.max(0, after.periods - before.periods),
    throttledPeriods: Math.max(0, after.throttledPeriods - before.throttledPeriods),
    throttledS: Math.max(0, after.throttledS - before.throttledS),
  };
}

/** Throttled periods / periods (null: no counters, or no period ran). */
export function throttledShareOf(throttle: Throttle | undefined): number | null {
  return throttle && throttle.periods > 0 ? throttle.throttledPeriods / throttle.periods : null;
}
