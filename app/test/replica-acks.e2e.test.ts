import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterHandle, redisCli, startRedisCluster } from '../../runtime/redis.js';
import { type ReplicaHandle, startReplica } from '../../runtime/replica.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { roomKeys } from '../src/contracts/redis-keys.js';
import { ProbeClient } from './helpers/ws-client.js';

/**
 * HISTORY_REPLICA_ACKS through the service on a real 6-node Redis Cluster: an `ack` means the
 * entry is on the master's replica; a replica that cannot confirm in time turns the ack into
 * `unavailable`; with 0 the ack does not wait for the replica.
 */
describe('service with HISTORY_REPLICA_ACKS on a Redis Cluster', () => {
  // Absolute: redis-server resolves its cluster config file after chdir to its --dir.
  const dir = resolve('.lab', 'test-logs', `replica-acks-${process.pid}`);
  let cluster: RedisClusterHandle;
  let durable: ReplicaHandle;
  let eager: ReplicaHandle;
  const clients: ProbeClient[] = [];
  const readers: Redis[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ dir: join(dir, 'redis') });
    const spec = { redisMode: 'cluster', logLevel: 'warn' } as const;
    const placement = { redisClusterNodes: cluster.seeds };
    [durable, eager] = await Promise.all([
      startReplica({
        logDir: dir,
        name: 'durable',
        waitReady: true,
        spec: resolveTopologySpec({ ...spec, historyReplicaAcks: 1, historyReplicaAckTimeoutMs: 300 }),
        placement,
      }),
      startReplica({
        logDir: dir,
        name: 'eager',
        waitReady: true,
        spec: resolveTopologySpec(spec),
        placement,
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.socket.terminate();
    for (const reader of readers) reader.disconnect();
    // A frozen replica left over by a failed test would keep cluster.stop() waiting.
    for (const node of cluster?.nodes ?? []) node.process.killNow('SIGCONT');
    await Promise.all([durable?.stop(), eager?.stop()]);
    await cluster?.stop();
  }, 30_000);

  /** The master owning `room`'s stream and its (only) replica. */
  const nodesOf = async (room: string) => {
    const masterPort = await cluster.masterPortForKey(roomKeys(room).stream);
    const infos = await Promise.all(
      cluster.nodes.map(async (node) => ({ node, info: await redisCli(node.port, ['INFO', 'replication']) })),
    );
    const replica = infos.find(
      ({ info }) => info.includes('role:slave') && info.includes(`master_port:${masterPort}\r`),
    )?.node;
    if (replica === undefined) throw new Error(`no replica of ${masterPort}`);
    return { masterPort, replica };
  };

  /** Offsets in `room`'s stream as the node on `port` has them (READONLY: replicas serve reads). */
  const offsetsOn = async (port: number, room: string): Promise<number[]> => {
    const reader = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    readers.push(reader);
    await reader.connect();
    await reader.call('READONLY');
    const entries = await reader.xrange(roomKeys(room).stream, '-', '+');
    reader.disconnect();
    return entries.map(([id]) => Number(id.split('-')[0]));
  };

  const publish = async (replica: ReplicaHandle, room: string, id: string) => {
    const client = await ProbeClient.connect(replica.wsUrl);
    clients.push(client);
    client.send({ op: 'pub', room, data: { id }, id });
    return Promise.race([
      client.next('ack', (frame) => frame.id === id),
      client.next('error', (frame) => frame.id === id),
    ]);
  };

  it('acks only once the master’s replica has the entry', async () => {
    const room = `acks-${process.pid}`;
    const { replica } = await nodesOf(room);
    for (const id of ['a1', 'a2', 'a3']) {
      const ack = await publish(durable, room, id);
      expect(ack).toMatchObject({ op: 'ack', id });
      // Read right after the ack, with no waiting: the replica must already hold the offset.
      expect(await offsetsOn(replica.port, room)).toContain(ack.offset);
    }
  }, 20_000);

  it('answers unavailable when the replica cannot confirm in time; with 0 acks it does not wait', async () => {
    const room = `frozen-${process.pid}`;
    const { masterPort, replica } = await nodesOf(room);
    // Frozen well inside cluster-node-timeout (2 s): no failover, the replica just cannot ACK.
    replica.process.killNow('SIGSTOP');
    try {
      const started = Date.now();
      const refused = await publish(durable, room, 'd1');
      expect(refused).toMatchObject({ op: 'error', code: 'unavailable', id: 'd1' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      const acked = await publish(eager, room, 'e1');
      expect(acked).toMatchObject({ op: 'ack', id: 'e1', offset: 2 });
    } finally {
      replica.process.killNow('SIGCONT');
    }
    // Not confirmed is not "not stored": both entries are on the master (a retry duplicates).
    expect(await offsetsOn(masterPort, room)).toEqual([1, 2]);
  }, 20_000);
});
