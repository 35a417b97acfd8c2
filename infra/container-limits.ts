import { type ComponentResources, cpuQuotaUs } from '../topology/spec.js';

/**
 * Docker container inputs that cap CPU and memory (`docker run --cpu-period --cpu-quota --memory
 * --memory-swap`): the same CFS quota and period the lab writes into its cgroups.
 */
export interface ContainerLimits {
  /** CFS period in µs (the spec's `cpuPeriodUs`; Docker's `--cpus` would fix it at 100 ms). */
  cpuPeriod?: number;
  /** CPU time per period in µs: cores × period. */
  cpuQuota?: number;
  /** Memory cap in MiB (the provider's `memory` is in MB as Docker counts them: 2^20 bytes). */
  memory?: number;
  /** Equal to `memory`: no swap on top of the cap, so an over-limit process is OOM-killed, not slowed. */
  memorySwap?: number;
}

/** The container inputs for a component's spec resources; unset = uncapped (no input at all). */
export function containerLimits(resources: ComponentResources | undefined): ContainerLimits {
  const limits: ContainerLimits = {};
  if (resources?.cpuCores !== undefined) {
    limits.cpuPeriod = resources.cpuPeriodUs;
    limits.cpuQuota = cpuQuotaUs(resources.cpuCores, resources.cpuPeriodUs);
  }
  if (resources?.memoryMiB !== undefined) {
    limits.memory = resources.memoryMiB;
    limits.memorySwap = resources.memoryMiB;
  }
  return limits;
}
