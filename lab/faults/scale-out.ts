import { type ConnectionsPoller, spreadOf } from '../collect/connections.js';
import { waitFor } from '../processes/wait-for.js';
import type { Topology } from '../topology/topology.js';
import type { FaultOutcome } from './faults.js';

export interface ScaleOutOptions {
  /** Reads connections per replica (must already be running). */
  poller: ConnectionsPoller;
  /** Spread of each replica's closes (the service adds jitter within it). Default 2000 ms. */
  windowMs?: number;
  /** "Even" means max/mean connections at most this. Default 1.25. */
  evenMaxOverMean?: number;
  /** Give up waiting for an even spread after this long. Default 20 000 ms. */
  timeoutMs?: number;
}

/**
 * Scale out: start one more replica, reload the proxies with it, then ask each
 * loaded replica (POST /admin/rebalance) to close the share of its clients that
 * would leave everyone at the mean, with jitter, so they reconnect through the
 * proxy. Measures how evenly load spreads and how long it takes.
 */
export async function scaleOut(topology: Topology, options: ScaleOutOptions): Promise<FaultOutcome> {
  const windowMs = options.windowMs ?? 2_000;
  const evenMaxOverMean = options.evenMaxOverMean ?? 1.25;
  await options.poller.poll();
  const before = options.poller.latest();
  const startedAtMs = Date.now();
  const slot = await topology.addReplica();
  const addedMs = Date.now() - startedAtMs;
  const total = [...before.values()].reduce((sum, count) => sum + count, 0);
  const target = total / topology.replicas.length;
  let asked = 0;
  for (const replica of topology.replicas) {
    const count = before.get(replica.id) ?? 0;
    if (replica.id === slot.id || count <= target) continue;
    const fraction = Math.min(1, (count - target) / count);
    const response = await fetch(`${replica.httpUrl}/admin/rebalance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': topology.publishApiKey },
      body: JSON.stringify({ fraction, windowMs }),
    });
    if (!response.ok) throw new Error(`rebalance on ${replica.id}: HTTP ${response.status}`);
    asked += ((await response.json()) as { closing: number }).closing;
  }
  const rebalanceStartMs = Date.now();
  let evenAfterMs: number | undefined;
  try {
    await waitFor(
      async () => {
        await options.poller.poll();
        const counts = topology.replicas.map((replica) => options.poller.latest().get(replica.id) ?? 0);
        return (counts[counts.length - 1] ?? 0) > 0 && spreadOf(counts).maxOverMean <= evenMaxOverMean;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 250, description: 'even spread after scale-out' },
    );
    evenAfterMs = Date.now() - rebalanceStartMs;
  } catch {
    // not even within the timeout: no evenAfterMs; the spread figures say how far it got
  }
  const after = topology.replicas.map((replica) => options.poller.latest().get(replica.id) ?? 0);
  const beforeCounts = topology.replicas
    .filter((replica) => replica.id !== slot.id)
    .map((replica) => before.get(replica.id) ?? 0);
  return {
    kind: 'scale-out',
    detail: `added ${slot.id}; asked ${asked} clients to move`,
    figures: {
      addReplicaMs: addedMs,
      clientsAskedToMove: asked,
      ...(evenAfterMs === undefined ? {} : { evenAfterMs }),
      maxOverMeanBefore: spreadOf([...beforeCounts, 0]).maxOverMean,
      maxOverMeanAfter: spreadOf(after).maxOverMean,
      newReplicaConnections: after.at(-1) ?? 0,
    },
  };
}
