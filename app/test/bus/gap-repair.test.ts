import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis } from '../../../runtime/redis.js';
import { waitFor } from '../../../runtime/wait-for.js';
import { encodeBody } from '../../src/bus/codec.js';
import { roomKeys } from '../../src/contracts/redis-keys.js';
import { record, request, uniqueRoom } from './bus-suite.js';
import { ClientPool, scratchDir, singleHarness } from './redis-harness.js';

let server: RedisServerHandle;
let raw: Redis;
const pool = new ClientPool();

beforeAll(async () => {
  server = await startRedis({ dir: scratchDir('bus-gap') });
  raw = pool.redis(server.url);
});
afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
});

describe('gapless delivery per room', () => {
  it('reads entries that were stored but never reached this replica before delivering the next one', async () => {
    const harness = singleHarness('single', server.url, pool);
    const room = uniqueRoom('gap');
    const publisher = record(await harness.createBus({ instanceId: 'P' }));
    const subscriber = record(await harness.createBus({ instanceId: 'S' }));
    await subscriber.bus.subscribe(room);
    await publisher.bus.publish(request(room, 'P', 1));
    await waitFor(() => subscriber.received.length === 1);
    // Offsets 2 and 3 are stored as the script would, but their PUBLISH never arrives.
    const keys = roomKeys(room);
    for (const n of [2, 3]) {
      await raw.hincrby(keys.meta, 'offset', 1);
      await raw.xadd(keys.stream, `${n}-0`, 'b', encodeBody(request(room, 'P', n)));
    }
    expect((await publisher.bus.publish(request(room, 'P', 4))).offset).toBe(4);
    await waitFor(() => subscriber.received.length === 4, { description: 'the gap filled' });
    expect(subscriber.received.map((e) => [e.offset, e.dataJson])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
      [4, '4'],
    ]);
    await publisher.bus.close();
    await subscriber.bus.close();
  });

  it('fetches what was published while its subscriber connection was down, once it is back', async () => {
    const harness = singleHarness('single', server.url, pool);
    const room = uniqueRoom('dropped');
    // The publisher has no subscriptions, so killing pub/sub connections leaves it up.
    const publisher = record(await harness.createBus({ instanceId: 'P' }));
    const subscriber = record(await harness.createBus({ instanceId: 'S' }));
    await subscriber.bus.subscribe(room);
    await publisher.bus.publish(request(room, 'P', 1));
    await waitFor(() => subscriber.received.length === 1);

    await raw.client('KILL', 'TYPE', 'pubsub');
    await publisher.bus.publish(request(room, 'P', 2));
    await publisher.bus.publish(request(room, 'P', 3));
    await waitFor(() => subscriber.received.length === 3, {
      description: 'missed entries fetched after resync',
    });
    expect(subscriber.received.map((e) => e.offset)).toEqual([1, 2, 3]);
    await publisher.bus.publish(request(room, 'P', 4));
    await waitFor(() => subscriber.received.length === 4);
    expect(subscriber.received.map((e) => e.offset)).toEqual([1, 2, 3, 4]);
    await publisher.bus.close();
    await subscriber.bus.close();
  });
});
