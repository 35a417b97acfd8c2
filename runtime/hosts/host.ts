import type { ProcessCgroup } from '../cgroup.js';
import type { ProcessHost } from '../managed-process.js';
import { runInNamespace } from './command.js';
import { HOST_LINK_NAME, netnsPath } from './names.js';
import { capLinkEgress, uncapLinkEgress } from './shaping.js';

/** What a lab host is given: a name, and optionally a CPU/memory budget and a bandwidth cap. */
export interface LabHostSpec {
  /** 1 to 12 lower-case letters or digits (it is part of the namespace's name). */
  name: string;
  /** CPU budget of everything started on the host, in cores (a cgroup parent). Unset: no cap. */
  cpuCores?: number;
  /** Memory budget of everything started on the host, in MiB. Unset: no cap. */
  memoryMiB?: number;
  /** Bandwidth cap on the host's link, each direction, in Mbit/s (tbf). Unset: no cap. */
  bandwidthMbitPerS?: number;
}

/**
 * One lab host: a network namespace with its own address on the lab bridge (a veth pair), a
 * cgroup parent every process started on it joins, and optionally a bandwidth cap on its link.
 * Start processes on it with ManagedProcess's `host` option (nsenter --net, same pid), or run a
 * tool in it with exec(). A dockerd can run on it the same way (`nsenter --net=<netnsPath>`).
 */
export class LabHost implements ProcessHost {
  readonly netnsPath: string;

  constructor(
    readonly spec: LabHostSpec,
    /** Position on the lab network (0-based): its address is the network's host(index). */
    readonly index: number,
    /** `ip netns` name. */
    readonly namespace: string,
    /** Its IPv4 address on the lab bridge. */
    readonly address: string,
    /** Its veth's other end, a port of the lab bridge (inside the switch namespace). */
    readonly switchPort: string,
    private readonly switchNetnsPath: string,
    readonly cgroup: ProcessCgroup | undefined,
  ) {
    this.netnsPath = netnsPath(namespace);
  }

  get name(): string {
    return this.spec.name;
  }

  /** The host's own end of its veth pair (inside its namespace). */
  get link(): string {
    return HOST_LINK_NAME;
  }

  /** Runs a tool inside the host's network namespace and returns its stdout. */
  exec(command: string, args: readonly string[], input?: string): Promise<string> {
    return runInNamespace(this.netnsPath, command, args, input);
  }

  /** Caps the host's link to `rateMbitPerS`, each direction: what it sends (its veth) and receives (the bridge port). */
  async capBandwidth(rateMbitPerS: number): Promise<void> {
    await capLinkEgress(this.netnsPath, HOST_LINK_NAME, rateMbitPerS);
    await capLinkEgress(this.switchNetnsPath, this.switchPort, rateMbitPerS);
  }

  /** Lifts a bandwidth cap (both directions). */
  async uncapBandwidth(): Promise<void> {
    await uncapLinkEgress(this.netnsPath, HOST_LINK_NAME);
    await uncapLinkEgress(this.switchNetnsPath, this.switchPort);
  }
}
