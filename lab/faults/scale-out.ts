import { type ConnectionsPoller, spreadOf } from '../../observe/connections.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { waitFor } from '../../runtime/wait-for.js';
import type { FaultOutcome } from './faults.js';

export interface ScaleOutOptions {
  /** Reads connections per replica. */
  poller: ConnectionsPoller;
  /** Spread of each replica's closes (the service adds jitter within it). Default 2000 ms. */
  windowMs?: number;
  /** "Even" means max/mean connections at most this. Default 1.25. */
  evenMaxOverMean?: number;
  /** Give up rebalancing after this long. Default 20 000 ms. */
  timeoutMs?: number;
  /** Most rebalance rounds. Default 5. */
  maxRounds?: number;
}

async function askToShed(
  topology: Topology,
  httpUrl: string,
  fraction: number,
  windowMs: number,
): Promise<number> {
  const response = await fetch(`${httpUrl}/admin/rebalance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': topology.publishApiKey },
    body: JSON.stringify({ fraction, windowMs }),
  });
  if (!response.ok) throw new Error(`rebalance on ${httpUrl}: HTTP ${response.status}`);
  return ((await response.json()) as { closing: number }).closing;
}

/**
 * Scale out: start one more replica, reload the proxies with it, then ask each
 * replica above the mean (POST /admin/rebalance) to close its excess share with
 * jitter so those clients reconnect through the proxy. A balancing proxy sends
 * only some of them to the new replica, so this repeats in rounds until the
 * spread is even (max/mean ≤ evenMaxOverMean) or time runs out. Measures how
 * evenly load spreads, how long it takes and how many clients had to move.
 */
export async function scaleOut(topology: Topology, options: ScaleOutOptions): Promise<FaultOutcome> {
  const windowMs = options.windowMs ?? 2_000;
  const evenMaxOverMean = options.evenMaxOverMean ?? 1.25;
  const deadlineMs = Date.now() + (options.timeoutMs ?? 20_000);
  const maxRounds = options.maxRounds ?? 5;
  const counts = async (): Promise<Map<string, number>> => {
    await options.poller.poll();
    return options.poller.latest();
  };
  const before = await counts();
  const total = [...before.values()].reduce((sum, count) => sum + count, 0);
  const startedAtMs = Date.now();
  const slot = await topology.addReplica();
  const addReplicaMs = Date.now() - startedAtMs;
  const rebalanceStartMs = Date.now();
  let asked = 0;
  let rounds = 0;
  let evenAfterMs: number | undefined;
  let latest = await counts();
  const spreadNow = () => spreadOf(topology.replicas.map((replica) => latest.get(replica.id) ?? 0));
  const isEven = () => (latest.get(slot.id) ?? 0) > 0 && spreadNow().maxOverMean <= evenMaxOverMean;
  while (rounds < maxRounds && Date.now() < deadlineMs) {
    if (isEven()) {
      evenAfterMs = Date.now() - rebalanceStartMs;
      break;
    }
    rounds += 1;
    const connected = topology.replicas.reduce((sum, replica) => sum + (latest.get(replica.id) ?? 0), 0);
    const target = connected / topology.replicas.length;
    for (const replica of topology.replicas) {
      const count = latest.get(replica.id) ?? 0;
      if (count <= target) continue;
      asked += await askToShed(topology, replica.httpUrl, (count - target) / count, windowMs);
    }
    // let the jittered closes happen and the clients come back before looking again
    const roundStartMs = Date.now();
    await waitFor(
      async () => {
        latest = await counts();
        const back = topology.replicas.reduce((sum, replica) => sum + (latest.get(replica.id) ?? 0), 0);
        return Date.now() - roundStartMs > windowMs + 300 && back >= total * 0.95;
      },
      { timeoutMs: windowMs + 5_000, intervalMs: 200, description: 'clients back after a rebalance round' },
    ).catch(() => undefined);
  }
  if (
    evenAfterMs === undefined &&
    (latest.get(slot.id) ?? 0) > 0 &&
    spreadNow().maxOverMean <= evenMaxOverMean
  ) {
    evenAfterMs = Date.now() - rebalanceStartMs;
  }
  const beforeCounts = topology.replicas
    .filter((replica) => replica.id !== slot.id)
    .map((replica) => before.get(replica.id) ?? 0);
  return {
    kind: 'scale-out',
    detail: `added ${slot.id}; ${rounds} rebalance round(s), ${asked} clients asked to move`,
    figures: {
      addReplicaMs,
      rebalanceRounds: rounds,
      clientsAskedToMove: asked,
      ...(evenAfterMs === undefined ? {} : { evenAfterMs }),
      maxOverMeanBefore: spreadOf([...beforeCounts, 0]).maxOverMean,
      maxOverMeanAfter: spreadNow().maxOverMean,
      newReplicaConnections: latest.get(slot.id) ?? 0,
    },
  };
}
