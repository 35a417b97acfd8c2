import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterHandle, startRedisCluster } from '../../../runtime/redis.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import { type BusHarness, busSuite, request, uniqueRoom } from './bus-suite.js';
import { ClientPool, clusterHarness, scratchDir } from './redis-harness.js';

let cluster: RedisClusterHandle;
let harness: BusHarness;
const pool = new ClientPool();

beforeAll(async () => {
  cluster = await startRedisCluster({ dir: scratchDir('bus-cluster') });
  harness = clusterHarness(cluster.seeds, pool);
});
afterAll(async () => {
  await pool.closeAll();
  await cluster?.stop();
});

busSuite('cluster', () => harness);

describe('cluster bus with replicaAcks', () => {
  it('acknowledges once a replica has the entry, and reports unavailable when too few replicas confirm', async () => {
    const room = uniqueRoom('wait');
    const durable = await harness.createBus({ instanceId: 'D', replicaAcks: 1, replicaAckTimeoutMs: 500 });
    const first = await durable.publish(request(room, 'D', 1));
    expect(first.offset).toBe(1);

    // Each master has one replica: asking for two cannot be met within the timeout.
    const greedy = await harness.createBus({ instanceId: 'G', replicaAcks: 2, replicaAckTimeoutMs: 100 });
    await expect(greedy.publish(request(room, 'G', 2))).rejects.toBeInstanceOf(BusUnavailableError);
    // Not acknowledged is not "not stored": the entry is on the master (at-least-once for a retrying client).
    expect((await durable.position(room)).offset).toBe(2);
    await durable.close();
    await greedy.close();
  });
});
