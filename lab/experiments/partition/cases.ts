import type { Topology } from '../../../runtime/local/local-topology.js';
import type { ProxyKind } from '../../../topology/spec.js';
import { type Nemesis, partition } from '../../faults/silent.js';
import type { ExperimentContext } from '../experiment.js';
import { placedHosts } from '../shared/lab-hosts.js';
import { BACK_WITHIN_MS } from '../shared/silent-run.js';

export const PROXIES: readonly ProxyKind[] = ['haproxy', 'nginx'];
/** The replica whose clients are measured, and the one the publisher sits on. */
export const STRUCK = 'r2';
export const PUBLISHER = 'r1';

/** Which replicas lose Redis: `one` (r2; its clients can move to r1) or `all` (nowhere to move). */
export interface Cut {
  name: 'one' | 'all';
  replicas: string[];
  /** Held to the bound: every client of the struck replica receives again within 10 s during the cut. */
  bounded: boolean;
}

/** Short: one replica cut off. Full: and both (what clients see when no replica can reach Redis). */
export function cutsFor(mode: ExperimentContext['mode']): Cut[] {
  const one: Cut = { name: 'one', replicas: [STRUCK], bounded: true };
  return mode === 'short' ? [one] : [one, { name: 'all', replicas: [PUBLISHER, STRUCK], bounded: false }];
}

/** How long a cut holds: past the 10 s bound, so clients must come back while it lasts. */
export function cutMsFor(mode: ExperimentContext['mode']): number {
  return mode === 'short' ? BACK_WITHIN_MS + 2_000 : 2 * BACK_WITHIN_MS;
}

/** The partition {cut replicas} | {redis}: both directions dropped, silently; everyone else untouched. */
export function cutOf(cut: Cut, topology: Topology): Nemesis {
  const hosts = placedHosts(topology, [['redis'], [PUBLISHER], [STRUCK], [...PROXIES]]);
  return partition(
    hosts.network,
    cut.replicas.map((id) => hosts.hostOf(id)),
    [hosts.hostOf('redis')],
  );
}
