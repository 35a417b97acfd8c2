import type { LabHost } from '../../../runtime/hosts/host.js';
import type { LabNetwork } from '../../../runtime/hosts/lab-network.js';
import type { Topology } from '../../../runtime/local/local-topology.js';

/** The lab network of a topology on lab hosts, and the host of each named component. */
export interface PlacedHosts {
  network: LabNetwork;
  hostOf(component: string): LabHost;
}

/**
 * The hosts of a topology spread over lab hosts, where each group of `apart` sits on hosts no
 * other group uses (a fault on one host must hit that group alone; `[['redis'], ['r2'],
 * ['haproxy', 'nginx']]`: the proxies may share one). Fails with what is missing: no lab network
 * (the spec's `hosts` is 1), or two groups sharing a host.
 */
export function placedHosts(topology: Topology, apart: readonly (readonly string[])[]): PlacedHosts {
  const network = topology.network;
  if (!network) throw new Error('this experiment needs lab hosts: the topology runs on one host');
  const hostOf = (component: string): LabHost => {
    const host = topology.hostOf(component);
    if (!host) throw new Error(`${component} is not on a lab host`);
    return host;
  };
  const groupOfHost = new Map<string, { group: number; component: string }>();
  for (const [group, components] of apart.entries()) {
    for (const component of components) {
      const host = hostOf(component);
      const other = groupOfHost.get(host.name);
      if (other !== undefined && other.group !== group)
        throw new Error(
          `${component} and ${other.component} share lab host ${host.name}: a fault on one would hit both`,
        );
      groupOfHost.set(host.name, { group, component });
    }
  }
  return { network, hostOf };
}
