import type { LabHost } from '../../../runtime/hosts/host.js';
import { LabNetwork } from '../../../runtime/hosts/lab-network.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { TopologySpecInput } from '../../../topology/spec.js';
import type { ExperimentContext } from '../experiment.js';
import { withTopology } from './with-topology.js';

/** Which components run on which lab host: host name → component names (`redis`, `r1`, `haproxy`…). */
export type HostLayout = Readonly<Record<string, readonly string[]>>;

/**
 * The silent-fault experiments' layout: Redis, each replica and the proxies on hosts of their
 * own, so a fault on one host (blackhole, partition, loss) hits that component alone. The lab's
 * clients run on this machine and reach the hosts through the gateway.
 */
export const SILENT_LAYOUT: HostLayout = {
  redis: ['redis'],
  app1: ['r1'],
  app2: ['r2'],
  edge: ['haproxy', 'nginx'],
};

/**
 * The topology phase on lab hosts: a lab network with the layout's hosts is made, the topology
 * started on it, `body` run, both removed. Fails with the exact reason where namespaces cannot be
 * made (not root: `ip netns add` says so) — a run without them would measure nothing it claims.
 */
export async function withLabHosts<T>(
  context: ExperimentContext,
  name: string,
  spec: TopologySpecInput,
  layout: HostLayout,
  body: (topology: Topology) => Promise<T>,
): Promise<T> {
  context.progress.phase(`making lab hosts ${Object.keys(layout).join(', ')}`);
  const network = await LabNetwork.create({
    name: 'silentlab',
    hosts: Object.keys(layout).map((host) => ({ name: host })),
  });
  const hostByComponent = new Map<string, LabHost>();
  for (const [host, components] of Object.entries(layout)) {
    for (const component of components) hostByComponent.set(component, network.host(host));
  }
  try {
    return await withTopology(context, name, spec, body, {
      network,
      hostOf: (component) => hostByComponent.get(component),
    });
  } finally {
    await network.remove();
  }
}

/** The lab network of a topology on lab hosts, and the host of each named component. */
export interface PlacedHosts {
  network: LabNetwork;
  hostOf(component: string): LabHost;
}

/**
 * The hosts of a topology spread over lab hosts, where each group of `apart` sits on hosts no
 * other group uses (a fault on one host must hit that group alone; `[['redis'], ['r2'],
 * ['haproxy', 'nginx']]`: the proxies may share one). Fails with what is missing: no lab network
 * (the topology runs on one host), or two groups sharing a host.
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
