import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../runtime/wait-for.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import { MemoryBroker, MemoryBus } from '../../src/bus/memory.js';
import { busSuite, record, request, uniqueRoom } from './bus-suite.js';

const broker = new MemoryBroker();

busSuite('memory', () => ({
  createBus: async (options) => new MemoryBus(broker, options),
  publishRaw: async (room, payload) => broker.publishRaw(room, payload),
  deleteHistory: async (room) => broker.deleteHistory(room),
}));

describe('MemoryBroker availability', () => {
  it('turns every bus reconnecting and failing while "Redis" is away, keeping subscriptions', async () => {
    const own = new MemoryBroker();
    const a = record(new MemoryBus(own, { instanceId: 'A' }));
    const room = uniqueRoom('down');
    await a.bus.subscribe(room);
    const states: string[] = [];
    a.bus.onStateChange((state) => states.push(state));
    own.setAvailable(false);
    expect(a.bus.state).toBe('reconnecting');
    await expect(a.bus.publish(request(room, 'A', 1))).rejects.toBeInstanceOf(BusUnavailableError);
    own.setAvailable(true);
    expect(states).toEqual(['reconnecting', 'ready']);
    await a.bus.publish(request(room, 'A', 2));
    await waitFor(() => a.received.length === 1);
    expect(a.received[0]?.offset).toBe(1);
    await a.bus.close();
  });
});
