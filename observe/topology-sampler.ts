import type { Topology } from '../runtime/local/local-topology.js';
import { ResourceSampler } from './resource-sampler.js';
import type { SampledComponent } from './samples.js';

const samplers = new WeakMap<Topology, ResourceSampler>();

/** This process: the lab, and the load generator's inline shards (child shards are its children). */
export const LAB_PROCESS: SampledComponent = { component: 'lab+load', kind: 'load', pid: process.pid };

/**
 * The one sampler of a running topology (created on first use): every component as it is now
 * (a restarted replica, an added one, new proxy workers) and the lab's own process. Measurement,
 * the live view and the runner's server probe all subscribe to it, so one run polls /proc once.
 */
export function topologySampler(topology: Topology): ResourceSampler {
  let sampler = samplers.get(topology);
  if (!sampler) {
    sampler = new ResourceSampler({ intervalMs: 500, components: () => topology.sampledComponents() });
    sampler.track(LAB_PROCESS);
    samplers.set(topology, sampler);
  }
  return sampler;
}
