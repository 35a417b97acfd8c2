import type { ComponentResources } from '../topology/spec.js';

/** Docker container inputs that cap CPU and memory (`docker run --cpus --memory --memory-swap`). */
export interface ContainerLimits {
  /** CPU cores as Docker's decimal string ("1.5"). */
  cpus?: string;
  /** Memory cap in MiB (the provider's `memory` is in MB as Docker counts them: 2^20 bytes). */
  memory?: number;
  /** Equal to `memory`: no swap on top of the cap, so an over-limit process is OOM-killed, not slowed. */
  memorySwap?: number;
}

/** The container inputs for a component's spec resources; unset = uncapped (no input at all). */
export function containerLimits(resources: ComponentResources | undefined): ContainerLimits {
  const limits: ContainerLimits = {};
  if (resources?.cpuCores !== undefined) limits.cpus = String(resources.cpuCores);
  if (resources?.memoryMiB !== undefined) {
    limits.memory = resources.memoryMiB;
    limits.memorySwap = resources.memoryMiB;
  }
  return limits;
}
