import { afterAll, beforeAll } from 'vitest';
import { type RedisServerHandle, startRedis } from '../../../runtime/redis.js';
import { type BusHarness, busSuite } from './bus-suite.js';
import { ClientPool, scratchDir, singleHarness } from './redis-harness.js';

let server: RedisServerHandle;
let harness: BusHarness;
const pool = new ClientPool();

beforeAll(async () => {
  server = await startRedis({ dir: scratchDir('bus-single') });
  harness = singleHarness('single', server.url, pool);
});
afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
});

busSuite('single', () => harness);
