import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis } from '../../../runtime/redis.js';
import { waitFor } from '../../../runtime/wait-for.js';
import type { BusState } from '../../src/bus/bus.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import { record, request, uniqueRoom } from './bus-suite.js';
import { ClientPool, scratchDir, singleHarness } from './redis-harness.js';

let server: RedisServerHandle;
const pool = new ClientPool();

beforeAll(async () => {
  server = await startRedis({ dir: scratchDir('bus-reconnect') });
});
afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
});

describe.each(['single', 'broadcast'] as const)('%s bus across a Redis restart', (mode) => {
  it('goes reconnecting, fails fast while Redis is down, then restores its subscriptions', async () => {
    const harness = singleHarness(mode, server.url, pool);
    const room = uniqueRoom('restart');
    const publisher = record(await harness.createBus({ instanceId: 'P' }));
    const subscriber = record(await harness.createBus({ instanceId: 'S' }));
    await subscriber.bus.subscribe(room);
    const states: BusState[] = [];
    subscriber.bus.onStateChange((state) => states.push(state));

    const restarted = server.restart({ downMs: 500 });
    await waitFor(() => publisher.bus.state === 'reconnecting', { description: 'publisher reconnecting' });
    const startedAt = Date.now();
    await expect(publisher.bus.publish(request(room, 'P', 'lost'))).rejects.toBeInstanceOf(
      BusUnavailableError,
    );
    await expect(subscriber.bus.subscribe(uniqueRoom('other'))).rejects.toBeInstanceOf(BusUnavailableError);
    expect(Date.now() - startedAt).toBeLessThan(100);
    await restarted;

    await waitFor(() => publisher.bus.state === 'ready' && subscriber.bus.state === 'ready', {
      description: 'both buses ready again',
    });
    expect(states).toEqual(['reconnecting', 'ready']);
    // The restarted Redis is empty: a new epoch, offsets from 1, and the subscription is back.
    const result = await publisher.bus.publish(request(room, 'P', 'after'));
    expect(result.offset).toBe(1);
    await waitFor(() => subscriber.received.length === 1, { description: 'delivery after the restart' });
    expect(subscriber.received[0]?.dataJson).toBe('"after"');
    await publisher.bus.close();
    await subscriber.bus.close();
  });
});
