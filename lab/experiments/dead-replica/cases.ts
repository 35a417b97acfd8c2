import type { Topology } from '../../../runtime/local/local-topology.js';
import type { ProxyKind, TopologySpecInput } from '../../../topology/spec.js';
import { killReplica } from '../../faults/faults.js';
import { blackholeHost, freezeProcess, type Nemesis } from '../../faults/silent.js';
import type { ExperimentContext } from '../experiment.js';
import { placedHosts } from '../shared/lab-hosts.js';
import { SILENT_SPEC } from '../shared/silent-run.js';

/** How a replica dies: SIGKILL (the kernel sends RST/FIN), SIGSTOP (a hang), its host's network gone. */
export const DEATHS = ['kill', 'freeze', 'blackhole'] as const;
export type Death = (typeof DEATHS)[number];

export const PROXIES: readonly ProxyKind[] = ['haproxy', 'nginx'];

/** The replica that dies and the one the publisher sits on. */
export const STRUCK = 'r2';
export const PUBLISHER = 'r1';

/** Blackholing r2's host must spare Redis, r1 and the proxies. */
const APART = [['redis'], [PUBLISHER], [STRUCK], [...PROXIES]];

/** One setting of the knobs that decide how soon a silent death is noticed. */
export interface DeadReplicaSetting {
  name: string;
  /** The spec keys it changes ({} = the defaults). */
  spec: Pick<TopologySpecInput, 'heartbeatIntervalMs' | 'proxyTunnelTimeoutMs'>;
}

/** Short: the defaults only. Full: a slower heartbeat, and the tunnel timeout of before issue 22. */
export function settingsFor(mode: ExperimentContext['mode']): DeadReplicaSetting[] {
  const defaults: DeadReplicaSetting = { name: 'defaults', spec: {} };
  if (mode === 'short') return [defaults];
  return [
    defaults,
    { name: 'heartbeat 5 s', spec: { heartbeatIntervalMs: 5_000 } },
    { name: 'tunnel 60 s', spec: { proxyTunnelTimeoutMs: 60_000 } },
  ];
}

/** The spec of one setting's topology: both proxies, two replicas on hosts of their own, one Redis. */
export function deadReplicaSpec(setting: DeadReplicaSetting): TopologySpecInput {
  return { ...SILENT_SPEC, ...setting.spec };
}

/** SIGKILL as a nemesis: healed by starting the replica again on its port. */
function killNemesis(topology: Topology, id: string): Nemesis {
  let killed = false;
  return {
    fault: 'kill',
    target: `replica ${id}`,
    heal: 'started again',
    async inject() {
      killed = true;
      return killReplica(topology, id);
    },
    async undo() {
      if (!killed) return { kind: 'heal-kill', detail: `${id} was not killed`, figures: {} };
      killed = false;
      const slot = await topology.startReplicaAgain(id);
      return {
        kind: 'heal-kill',
        detail: `${id} started again (pid ${slot.handle?.process.pid})`,
        figures: {},
      };
    },
  };
}

/** The nemesis of one death of `id`. */
export function deathOf(death: Death, topology: Topology, id: string): Nemesis {
  const slot = topology.replica(id);
  if (death === 'kill') return killNemesis(topology, id);
  if (!slot.handle) throw new Error(`replica ${id} is not running`);
  if (death === 'freeze') return freezeProcess(slot.handle.process);
  const hosts = placedHosts(topology, APART);
  return blackholeHost(hosts.network, hosts.hostOf(id));
}
