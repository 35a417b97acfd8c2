import { roomKeys } from '../../app/src/contracts/redis-keys.js';
import { fetchText, metricValue } from '../../observe/prometheus.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { waitFor } from '../../runtime/wait-for.js';
import type { ProxyKind } from '../../topology/spec.js';

/** What a fault did, for the run's event list and the report. */
export interface FaultOutcome {
  kind: string;
  detail: string;
  /** Figures the fault measured itself (drain time, promotion time…), named with units. */
  figures: Record<string, number>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL a replica: its clients see 1006 and must reconnect elsewhere. Resolves once the pid is gone. */
export async function killReplica(topology: Topology, id: string): Promise<FaultOutcome> {
  const slot = topology.replica(id);
  const handle = slot.handle;
  if (!handle?.process.running) throw new Error(`replica ${id} is not running`);
  const pid = handle.process.pid;
  handle.process.killNow('SIGKILL');
  await handle.process.exited;
  slot.frozen = false;
  await waitFor(() => !isAlive(pid), { description: `pid ${pid} gone` });
  return { kind: 'kill-replica', detail: `SIGKILL ${id} (pid ${pid})`, figures: {} };
}

/** SIGTERM a replica: it drains (unready, closes clients with 1012 in batches), then exits. */
export async function stopReplica(topology: Topology, id: string, graceMs = 30_000): Promise<FaultOutcome> {
  const slot = topology.replica(id);
  const handle = slot.handle;
  if (!handle?.process.running) throw new Error(`replica ${id} is not running`);
  const pid = handle.process.pid;
  const startedAtMs = Date.now();
  await handle.process.stop('SIGTERM', graceMs);
  return {
    kind: 'stop-replica',
    detail: `SIGTERM ${id} (pid ${pid}), drained`,
    figures: { drainMs: Date.now() - startedAtMs },
  };
}

/** Stop (drain) then start a replica again on the same port. */
export async function restartReplica(topology: Topology, id: string): Promise<FaultOutcome> {
  const startedAtMs = Date.now();
  const stopped = await stopReplica(topology, id);
  const slot = await topology.startReplicaAgain(id);
  return {
    kind: 'restart-replica',
    detail: `${id} restarted (new pid ${slot.handle?.process.pid})`,
    figures: { ...stopped.figures, downMs: Date.now() - startedAtMs },
  };
}

/** SIGSTOP a replica: a hang. Sockets stay open but nothing is answered (pings, health checks). */
export function freezeReplica(topology: Topology, id: string): FaultOutcome {
  const slot = topology.replica(id);
  if (!slot.handle?.process.running) throw new Error(`replica ${id} is not running`);
  slot.handle.process.killNow('SIGSTOP');
  slot.frozen = true;
  return { kind: 'freeze-replica', detail: `SIGSTOP ${id} (pid ${slot.handle.process.pid})`, figures: {} };
}

/** SIGCONT a frozen replica. */
export function thawReplica(topology: Topology, id: string): FaultOutcome {
  const slot = topology.replica(id);
  if (!slot.handle?.process.running) throw new Error(`replica ${id} is not running`);
  slot.handle.process.killNow('SIGCONT');
  slot.frozen = false;
  return { kind: 'thaw-replica', detail: `SIGCONT ${id}`, figures: {} };
}

/**
 * Kills the Redis master that owns `room`. In a cluster, SIGKILL the master of
 * the room's slot and wait until its replica is promoted (`promotionMs`). With
 * a single Redis there is no replica: it is SIGKILLed and started again empty
 * after `downMs` (history is lost, which is the point of comparing).
 */
export async function killRedisMaster(
  topology: Topology,
  room: string,
  options: { downMs?: number; waitForPromotion?: boolean } = {},
): Promise<FaultOutcome> {
  const startedAtMs = Date.now();
  if (topology.redisCluster) {
    const port = await topology.redisCluster.killMasterForRoom(room);
    const figures: Record<string, number> = {};
    if (options.waitForPromotion ?? true) {
      await topology.redisCluster.waitForPromotion();
      figures.promotionMs = Date.now() - startedAtMs;
    }
    const slotOwner =
      figures.promotionMs === undefined
        ? undefined
        : await topology.redisCluster.masterPortForKey(roomKeys(room).stream);
    return {
      kind: 'kill-redis-master',
      detail: `SIGKILL master :${port} owning room ${room}${slotOwner === undefined ? '' : `; new master :${slotOwner}`}`,
      figures,
    };
  }
  const single = topology.redisSingle;
  if (!single) throw new Error('no Redis in this topology');
  const pid = single.pid;
  await single.kill();
  await single.restart({ downMs: options.downMs ?? 1_000 });
  return {
    kind: 'kill-redis-master',
    detail: `SIGKILL redis (pid ${pid}), restarted empty as pid ${single.pid}`,
    figures: { downMs: Date.now() - startedAtMs },
  };
}

/** Reloads a proxy with the same backends (open connections should survive). */
export async function reloadProxy(topology: Topology, kind: ProxyKind): Promise<FaultOutcome> {
  const startedAtMs = Date.now();
  await topology.reloadProxy(kind);
  return {
    kind: 'reload-proxy',
    detail: `${kind} reloaded`,
    figures: { reloadMs: Date.now() - startedAtMs },
  };
}

/** The running replica with the most open connections right now (ties: the first). */
export async function busiestReplica(topology: Topology): Promise<string> {
  let best: { id: string; connections: number } | undefined;
  for (const slot of topology.replicas) {
    if (!slot.handle?.process.running || slot.frozen) continue;
    const text = await fetchText(`${slot.httpUrl}/metrics`, 1_000);
    const connections = text ? (metricValue(text, 'wslab_connections_open') ?? 0) : 0;
    if (!best || connections > best.connections) best = { id: slot.id, connections };
  }
  if (!best) throw new Error('no running replica');
  return best.id;
}
