import { afterAll, beforeAll } from 'vitest';
import { type RedisClusterHandle, startRedisCluster } from '../../../lab/processes/redis.js';
import { type BusHarness, busSuite } from './bus-suite.js';
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
