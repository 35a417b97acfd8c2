import { randomBytes } from 'node:crypto';
import type { LabHost } from '../hosts/host.js';
import { LabNetwork } from '../hosts/lab-network.js';
import type { HostPlacement } from './placement.js';

/**
 * A topology's lab network (spec `hosts` > 1): the hosts of its placement, made before anything
 * starts and removed after everything stopped. Where namespaces cannot be made (not root, no `ip`),
 * create() fails with the tool's own words: `hosts` > 1 never quietly runs on loopback.
 */
export class TopologyHosts {
  private constructor(
    readonly network: LabNetwork,
    readonly placement: HostPlacement,
  ) {}

  /**
   * A name for a topology's network: `t` and 6 random hex digits, so topologies side by side in
   * one process (test workers share a pid) never share namespace names.
   */
  static networkName(): string {
    return `t${randomBytes(3).toString('hex')}`;
  }

  /** `cpuCores`: each host's CPU budget (a cgroup parent of everything started on it); unset: none. */
  static async create(name: string, placement: HostPlacement, cpuCores?: number): Promise<TopologyHosts> {
    try {
      const network = await LabNetwork.create({
        name,
        hosts: placement.hosts.map((host) => ({
          name: host,
          ...(cpuCores === undefined ? {} : { cpuCores }),
        })),
      });
      return new TopologyHosts(network, placement);
    } catch (error) {
      throw new Error(
        `hosts ${placement.hosts.length}: lab hosts need network namespaces (root, iproute2 \`ip\`, nftables \`nft\`), and making them failed: ${(error as Error).message}`,
      );
    }
  }

  get edge(): LabHost {
    return this.network.host(this.placement.edge);
  }

  /** The hosts of the Redis nodes, in start order (one for single Redis). */
  redisHosts(): LabHost[] {
    return this.placement.redis.map((host) => this.network.host(host));
  }

  replicaHost(ordinal: number): LabHost {
    return this.network.host(this.placement.replicaHost(ordinal));
  }

  /** The lab host at `address`, if one of this network's. */
  hostAt(address: string): LabHost | undefined {
    return this.network.hosts.find((host) => host.address === address);
  }
}
