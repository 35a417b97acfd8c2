import { roomKeys, roomOfChannel } from '../../app/src/contracts/redis-keys.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { redisCli } from '../../runtime/redis.js';
import { waitFor } from '../../runtime/wait-for.js';

/**
 * A room that has live subscribers right now (a sharded channel on some
 * master), so killing its master hurts the running load. Cluster only.
 */
export async function activeRoom(topology: Topology, prefix = 'lt-'): Promise<string> {
  const cluster = topology.redisCluster;
  if (!cluster) throw new Error('activeRoom: needs a Redis Cluster');
  for (const node of cluster.nodes.filter((candidate) => candidate.process.running)) {
    const channels = (
      await redisCli(node.port, ['PUBSUB', 'SHARDCHANNELS'], topology.redisPassword, node.address).catch(
        () => '',
      )
    )
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    for (const channel of channels) {
      const room = roomOfChannel(channel);
      if (room?.startsWith(prefix)) return room;
    }
  }
  throw new Error('activeRoom: no sharded channel with subscribers found');
}

/** A room name (not used by the load) whose slot is served by the master on `port`. */
export async function roomOnMaster(topology: Topology, port: number): Promise<string> {
  const cluster = topology.redisCluster;
  if (!cluster) throw new Error('roomOnMaster: needs a Redis Cluster');
  for (let index = 0; index < 200; index += 1) {
    const room = `probe-${index}`;
    if ((await cluster.masterPortForKey(roomKeys(room).stream)) === port) return room;
  }
  throw new Error(`roomOnMaster: no probe room on :${port} in 200 tries`);
}

/**
 * Publishes into `room` through a replica's HTTP API every `intervalMs` until
 * it is accepted: the time publishing into that room takes to resume.
 */
export async function timeUntilPublishWorks(
  topology: Topology,
  room: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const startedAtMs = Date.now();
  const replica = topology.replicas.find((slot) => slot.handle?.process.running);
  if (!replica) throw new Error('timeUntilPublishWorks: no running replica');
  await waitFor(
    async () => {
      const response = await fetch(`${replica.httpUrl}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': topology.publishApiKey },
        body: JSON.stringify({ room, data: { probe: Date.now() } }),
        signal: AbortSignal.timeout(1_000),
      });
      return response.ok;
    },
    {
      timeoutMs: options.timeoutMs ?? 30_000,
      intervalMs: options.intervalMs ?? 50,
      description: `publish into ${room} accepted`,
    },
  );
  return Date.now() - startedAtMs;
}
