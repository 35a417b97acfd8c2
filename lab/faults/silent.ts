/**
 * The silent faults (nemeses): the kernel answers none of them with a RST or a FIN, so TCP
 * connections stay open and nothing arrives — a frozen process, a host that loses its network, a
 * partition, a lossy link, a thin link. Each one is data: what it does, what it hits, how it is
 * undone; `inject()` and `heal()` say what happened for the run's timeline (FaultOutcome).
 * Network faults are drops in the lab's own nftables table on the lab bridge
 * (runtime/hosts/firewall.ts) or a tbf on a host's link; nothing else on the machine is touched.
 */
import type { LabHost } from '../../runtime/hosts/host.js';
import type { LabNetwork } from '../../runtime/hosts/lab-network.js';
import { GATEWAY_PORT_NAME } from '../../runtime/hosts/names.js';
import { capLinkEgress, uncapLinkEgress } from '../../runtime/hosts/shaping.js';
import type { ManagedProcess } from '../../runtime/managed-process.js';
import type { FaultOutcome } from './faults.js';

export interface Nemesis {
  /** What it does: `freeze`, `blackhole`, `partition`, `loss`, `bandwidth`. */
  readonly fault: string;
  /** What it hits, in words (`host r1`, `{r1, r2} | {redis}`). */
  readonly target: string;
  /** How it is undone, in words. */
  readonly heal: string;
  inject(): Promise<FaultOutcome>;
  /** Undoes inject(); safe to call when not injected (cleanup after a failed run). */
  undo(): Promise<FaultOutcome>;
}

/** One side of a partition or a link: a lab host, or `gateway` (this machine: the lab's load clients and collectors). */
export type Endpoint = LabHost | 'gateway';

function portOf(endpoint: Endpoint): string {
  return endpoint === 'gateway' ? GATEWAY_PORT_NAME : endpoint.switchPort;
}

function nameOf(endpoint: Endpoint): string {
  return endpoint === 'gateway' ? 'gateway' : endpoint.name;
}

function portSet(endpoints: readonly Endpoint[]): string {
  return `{ ${endpoints.map((endpoint) => `"${portOf(endpoint)}"`).join(', ')} }`;
}

/**
 * ARP still passes every drop: a cloud network's virtual router answers it for a dead VM too, so
 * a dead host times out (no quick `No route to host` from a failed neighbour lookup).
 */
const NOT_ARP = 'ether type != arp';

/** Drop rules as a nemesis: added to the lab's table with a tag, removed by handle. */
function dropRules(
  network: LabNetwork,
  fault: string,
  target: string,
  rules: readonly string[],
  heal = 'its drop rules removed from table bridge wslab_lab',
): Nemesis {
  let handles: number[] = [];
  const tag = `${fault} ${target}`.replace(/[^A-Za-z0-9 _.:>-]/g, '_');
  return {
    fault,
    target,
    heal,
    async inject() {
      if (handles.length > 0) throw new Error(`${fault} ${target} is already injected`);
      handles = await network.firewall.add(tag, rules);
      return {
        kind: fault,
        detail: `${fault} ${target}: ${rules.length} drop rule(s) on the lab bridge`,
        figures: {},
      };
    },
    async undo() {
      const dropped = handles.length > 0 ? await network.firewall.droppedPackets(tag) : 0;
      await network.firewall.remove(handles);
      handles = [];
      return {
        kind: `heal-${fault}`,
        detail: `${fault} ${target} healed (${heal})`,
        figures: { droppedPackets: dropped },
      };
    },
  };
}

/** SIGSTOP a process (a hang: its sockets stay open, nothing is answered); healed with SIGCONT. */
export function freezeProcess(process: ManagedProcess): Nemesis {
  let frozen = false;
  return {
    fault: 'freeze',
    target: `process ${process.name}`,
    heal: 'SIGCONT',
    async inject() {
      if (!process.running) throw new Error(`${process.name} is not running`);
      process.killNow('SIGSTOP');
      frozen = true;
      return { kind: 'freeze', detail: `SIGSTOP ${process.name} (pid ${process.pid})`, figures: {} };
    },
    async undo() {
      if (frozen) process.killNow('SIGCONT');
      frozen = false;
      return { kind: 'heal-freeze', detail: `SIGCONT ${process.name}`, figures: {} };
    },
  };
}

/** Every frame to and from a host dropped on the bridge: the host is gone, nothing answers, nothing is refused. */
export function blackholeHost(network: LabNetwork, host: LabHost): Nemesis {
  const port = `"${host.switchPort}"`;
  return dropRules(network, 'blackhole', `host ${host.name}`, [
    `iifname ${port} ${NOT_ARP} counter drop`,
    `oifname ${port} ${NOT_ARP} counter drop`,
  ]);
}

/** Both directions between two groups dropped, silently; each group still reaches itself and everyone else. */
export function partition(
  network: LabNetwork,
  left: readonly Endpoint[],
  right: readonly Endpoint[],
): Nemesis {
  if (left.length === 0 || right.length === 0) throw new Error('a partition needs a host on each side');
  const target = `{${left.map(nameOf).join(', ')}} | {${right.map(nameOf).join(', ')}}`;
  return dropRules(network, 'partition', target, [
    `iifname ${portSet(left)} oifname ${portSet(right)} ${NOT_ARP} counter drop`,
    `iifname ${portSet(right)} oifname ${portSet(left)} ${NOT_ARP} counter drop`,
  ]);
}

/**
 * Random loss of `lossPercent` of the frames a host's link carries, each direction (nftables
 * `numgen random`; no netem here). A frame crossing two lossy links is tried on each.
 */
export function lossyLink(network: LabNetwork, endpoint: Endpoint, lossPercent: number): Nemesis {
  if (!(lossPercent > 0 && lossPercent <= 100))
    throw new Error(`loss must be in (0, 100] %, got ${lossPercent}`);
  const port = `"${portOf(endpoint)}"`;
  // per 10 000: 0.01 % steps
  const below = Math.round(lossPercent * 100);
  return dropRules(network, 'loss', `link of ${nameOf(endpoint)} ${lossPercent}%`, [
    `iifname ${port} ${NOT_ARP} numgen random mod 10000 < ${below} counter drop`,
    `oifname ${port} ${NOT_ARP} numgen random mod 10000 < ${below} counter drop`,
  ]);
}

/**
 * Random loss of `lossPercent` of the frames between two groups, each direction (the frames of
 * `left` to `right` and back; every other path stays clean): loss between a proxy and its
 * replicas without touching what the replicas say to Redis.
 */
export function lossyPath(
  network: LabNetwork,
  left: readonly Endpoint[],
  right: readonly Endpoint[],
  lossPercent: number,
): Nemesis {
  if (!(lossPercent > 0 && lossPercent <= 100))
    throw new Error(`loss must be in (0, 100] %, got ${lossPercent}`);
  if (left.length === 0 || right.length === 0) throw new Error('a lossy path needs a host on each side');
  const below = Math.round(lossPercent * 100);
  const target = `{${left.map(nameOf).join(', ')}} ~ {${right.map(nameOf).join(', ')}} ${lossPercent}%`;
  return dropRules(network, 'loss', target, [
    `iifname ${portSet(left)} oifname ${portSet(right)} ${NOT_ARP} numgen random mod 10000 < ${below} counter drop`,
    `iifname ${portSet(right)} oifname ${portSet(left)} ${NOT_ARP} numgen random mod 10000 < ${below} counter drop`,
  ]);
}

/**
 * What the lab network sends to this machine (the lab's own clients: the gateway) capped to
 * `rateMbitPerS` (tbf on the bridge's gateway port): a thin link towards the clients. Healed by
 * removing the tbf.
 */
export function bandwidthCapTowardsGateway(network: LabNetwork, rateMbitPerS: number): Nemesis {
  return {
    fault: 'bandwidth',
    target: `link towards the gateway at ${rateMbitPerS} Mbit/s`,
    heal: 'tbf removed',
    async inject() {
      await capLinkEgress(network.switchNetnsPath, GATEWAY_PORT_NAME, rateMbitPerS);
      return {
        kind: 'bandwidth',
        detail: `what the lab network sends to the gateway capped at ${rateMbitPerS} Mbit/s (tbf)`,
        figures: {},
      };
    },
    async undo() {
      await uncapLinkEgress(network.switchNetnsPath, GATEWAY_PORT_NAME);
      return { kind: 'heal-bandwidth', detail: 'link towards the gateway uncapped', figures: {} };
    },
  };
}

/** A host's link capped to `rateMbitPerS` each direction (tbf); healed back to its declared cap, or none. */
export function bandwidthCap(host: LabHost, rateMbitPerS: number): Nemesis {
  const declared = host.spec.bandwidthMbitPerS;
  return {
    fault: 'bandwidth',
    target: `link of ${host.name} at ${rateMbitPerS} Mbit/s`,
    heal: declared === undefined ? 'tbf removed' : `back to its declared ${declared} Mbit/s`,
    async inject() {
      await host.capBandwidth(rateMbitPerS);
      return {
        kind: 'bandwidth',
        detail: `link of ${host.name} capped at ${rateMbitPerS} Mbit/s (tbf)`,
        figures: {},
      };
    },
    async undo() {
      if (declared === undefined) await host.uncapBandwidth();
      else await host.capBandwidth(declared);
      return { kind: 'heal-bandwidth', detail: `link of ${host.name} uncapped`, figures: {} };
    },
  };
}

/**
 * A nemesis as two steps of a run's fault schedule (measureRun's FaultStep shape): inject at
 * `atMs` after publishing starts, heal `forMs` later. Both land on the run's timeline.
 */
export function nemesisSteps(
  nemesis: Nemesis,
  atMs: number,
  forMs: number,
): { atMs: number; fault: string; target: string; run: () => Promise<FaultOutcome> }[] {
  return [
    { atMs, fault: nemesis.fault, target: nemesis.target, run: () => nemesis.inject() },
    { atMs: atMs + forMs, fault: `heal-${nemesis.fault}`, target: nemesis.target, run: () => nemesis.undo() },
  ];
}
