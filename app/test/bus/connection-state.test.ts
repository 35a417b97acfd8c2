import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { BusState } from '../../src/bus/bus.js';
import { ConnectionState } from '../../src/bus/connection-state.js';
import { BusEvents } from '../../src/bus/listeners.js';

/** Stands in for an ioredis client: a status and the events ioredis emits when it changes. */
class FakeClient extends EventEmitter {
  status = 'connecting';
  set(status: string, event: string): void {
    this.status = status;
    this.emit(event);
  }
}

function setup(clientCount = 2) {
  const clients = Array.from({ length: clientCount }, () => new FakeClient());
  const events = new BusEvents();
  const states: BusState[] = [];
  events.onStateChange((state) => states.push(state));
  const resubscribes: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let resubscribed = 0;
  const connection = new ConnectionState({
    clients,
    events,
    resubscribe: () => new Promise<void>((resolve, reject) => resubscribes.push({ resolve, reject })),
    onResubscribed: () => {
      resubscribed += 1;
    },
    retryMs: 10,
  });
  return { clients, events, states, resubscribes, connection, resubscribed: () => resubscribed };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectionState', () => {
  it("is 'connecting' until every client is ready, without resubscribing the first time", () => {
    const { clients, events, states, resubscribes } = setup();
    expect(events.state).toBe('connecting');
    clients[0]!.set('ready', 'ready');
    expect(events.state).toBe('connecting');
    clients[1]!.set('ready', 'ready');
    expect(states).toEqual(['ready']);
    expect(resubscribes).toEqual([]);
  });

  it("after a drop: 'reconnecting', and 'ready' only once the resubscribe is confirmed, then repairs", async () => {
    const h = setup();
    for (const client of h.clients) client.set('ready', 'ready');
    h.clients[1]!.set('reconnecting', 'reconnecting');
    expect(h.events.state).toBe('reconnecting');
    h.clients[1]!.set('ready', 'ready');
    // Connected again, but Redis has not confirmed the subscriptions yet.
    expect(h.events.state).toBe('reconnecting');
    expect(h.resubscribes).toHaveLength(1);
    h.resubscribes[0]!.resolve();
    await tick();
    expect(h.states).toEqual(['ready', 'reconnecting', 'ready']);
    expect(h.resubscribed()).toBe(1);
  });

  it('tries a failed resubscribe again after retryMs', async () => {
    const h = setup(1);
    h.clients[0]!.set('ready', 'ready');
    h.clients[0]!.set('reconnecting', 'close');
    h.clients[0]!.set('ready', 'ready');
    h.resubscribes[0]!.reject(new Error('timed out'));
    await expect.poll(() => h.resubscribes.length).toBe(2);
    h.resubscribes[1]!.resolve();
    await expect.poll(() => h.events.state).toBe('ready');
  });

  it("stays 'closed' and stops listening once detached", () => {
    const h = setup(1);
    h.clients[0]!.set('ready', 'ready');
    h.events.setState('closed');
    h.connection.detach();
    h.clients[0]!.set('reconnecting', 'reconnecting');
    expect(h.events.state).toBe('closed');
    expect(h.clients[0]!.listenerCount('reconnecting')).toBe(0);
    expect(h.clients[0]!.listenerCount('error')).toBe(0);
  });
});
