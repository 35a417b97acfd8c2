import type * as docker from '@pulumi/docker';
import type { ComponentResources } from '../../topology/spec.js';

const NANO_CPUS_PER_CORE = 1e9;
const BYTES_PER_MIB = 2 ** 20;

/** A component's spec caps as a Swarm task's resource limits; unset = uncapped (no limits at all). */
export function serviceLimits(
  resources: ComponentResources | undefined,
): docker.types.input.ServiceTaskSpecResources | undefined {
  if (resources?.cpuCores === undefined && resources?.memoryMiB === undefined) return undefined;
  return {
    limits: {
      ...(resources.cpuCores === undefined
        ? {}
        : { nanoCpus: Math.round(resources.cpuCores * NANO_CPUS_PER_CORE) }),
      ...(resources.memoryMiB === undefined ? {} : { memoryBytes: resources.memoryMiB * BYTES_PER_MIB }),
    },
  };
}
