import type { LabHost } from '../../../runtime/hosts/host.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import type { ProxyKind, TopologySpecInput } from '../../../topology/spec.js';
import { bandwidthCapTowardsGateway, lossyPath, type Nemesis } from '../../faults/silent.js';
import type { ExperimentContext } from '../experiment.js';
import { placedHosts } from '../shared/lab-hosts.js';
import { SILENT_SPEC } from '../shared/silent-run.js';

export const PROXIES: readonly ProxyKind[] = ['haproxy', 'nginx'];
export const PUBLISHER = 'r1';
const REPLICAS = ['r1', 'r2'];

/** A send buffer small enough that a thin link fills it within a run (the default is 1 MiB). */
export const LOSSY_SEND_BUFFER_BYTES = 256 * 1024;

export const LOSSY_LINK_SPEC: TopologySpecInput = {
  ...SILENT_SPEC,
  sendBufferMaxBytes: LOSSY_SEND_BUFFER_BYTES,
};

/** One link condition: what it does, and the publisher's load while it holds. */
export interface LinkCase {
  /** `clean`, `loss 1%`, `loss 5%`, `thin 4 Mbit/s`. */
  name: string;
  kind: 'clean' | 'loss' | 'bandwidth';
  lossPercent?: number;
  rateMbitPerS?: number;
  payloadBytes: number;
  publishIntervalMs: number;
}

/** Thin enough that the publisher's 50 × 8 KiB/s to every client cannot pass: the buffers must fill. */
const THIN_MBIT_PER_S = 4;

/** Short: 5 % loss and the thin link. Full: a clean baseline, 1 % and 5 % loss, the thin link. */
export function linkCasesFor(mode: ExperimentContext['mode']): LinkCase[] {
  const small = { payloadBytes: 0, publishIntervalMs: 100 };
  const loss = (lossPercent: number): LinkCase => ({
    name: `loss ${lossPercent}%`,
    kind: 'loss',
    lossPercent,
    ...small,
  });
  const thin: LinkCase = {
    name: `thin ${THIN_MBIT_PER_S} Mbit/s`,
    kind: 'bandwidth',
    rateMbitPerS: THIN_MBIT_PER_S,
    payloadBytes: 8 * 1024,
    publishIntervalMs: 20,
  };
  if (mode === 'short') return [loss(5), thin];
  return [{ name: 'clean', kind: 'clean', ...small }, loss(1), loss(5), thin];
}

export function holdMsFor(mode: ExperimentContext['mode']): number {
  return mode === 'short' ? 5_000 : 20_000;
}

function distinct(hosts: readonly LabHost[]): LabHost[] {
  return [...new Map(hosts.map((host) => [host.name, host])).values()];
}

/** No fault: the baseline's nemesis. */
const NOTHING: Nemesis = {
  fault: 'clean',
  target: 'nothing',
  heal: 'nothing to heal',
  inject: async () => ({ kind: 'clean', detail: 'no fault (baseline)', figures: {} }),
  undo: async () => ({ kind: 'heal-clean', detail: 'no fault (baseline)', figures: {} }),
};

/**
 * The nemesis of one case: loss between the replicas' hosts and the proxies' host (both
 * directions; Redis and the publisher's path stay clean), or a cap on what reaches the clients.
 */
export function linkNemesis(link: LinkCase, topology: Topology): Nemesis {
  if (link.kind === 'clean') return NOTHING;
  const hosts = placedHosts(topology, [['redis'], REPLICAS, [...PROXIES]]);
  if (link.kind === 'bandwidth') return bandwidthCapTowardsGateway(hosts.network, link.rateMbitPerS ?? 1);
  return lossyPath(
    hosts.network,
    distinct(REPLICAS.map((id) => hosts.hostOf(id))),
    distinct(PROXIES.map((kind) => hosts.hostOf(kind))),
    link.lossPercent ?? 1,
  );
}
