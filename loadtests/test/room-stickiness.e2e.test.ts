import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../app/src/contracts/protocol.js';
import { startHaproxy } from '../../runtime/haproxy.js';
import { backendsOf, type ReplicaSet, startReplicaSet } from '../../runtime/local/replica-set.js';
import type { RunningProxy } from '../../runtime/running-proxy.js';
import { waitFor } from '../../runtime/wait-for.js';
import { ResilientClient } from '../runner/client.js';
import { roomName } from '../scenarios/layout.js';

/**
 * The load runner's clients under the proxies' `room` stickiness: real Redis, three real
 * replicas, real HAProxy (`balance url_param room`). Each client reads the replica it landed
 * on from its `hello` frame.
 */
describe('load runner clients behind HAProxy in room stickiness', () => {
  const dir = resolve('.lab', `e2e-room-stickiness-${process.pid}`);
  let set: ReplicaSet;
  let proxy: RunningProxy;
  const clients: ResilientClient[] = [];

  beforeAll(async () => {
    set = await startReplicaSet(join(dir, 'replicas'), 3, {});
    proxy = await startHaproxy({
      dir: join(dir, 'haproxy'),
      options: { backends: backendsOf(set.replicas), stickiness: 'room', limits: { workers: 2 } },
    });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.stop();
    await proxy?.process.stop();
    await set?.stop();
  }, 30_000);

  /** Opens a runner client keyed on `room` (as the shards do) and resolves with its replica. */
  const landOn = async (room: string) => {
    let instance: string | undefined;
    const client = new ResilientClient({
      urls: [`${proxy.wsUrl}/ws?probe=1`],
      urlIndex: 0,
      stickyRoom: room,
      backoff: { initialMs: 50, maxMs: 200 },
      handshakeTimeoutMs: 5_000,
      reconnect: false,
      listener: {
        onFrame: (frame: ServerFrame) => {
          if (frame.op === 'hello') instance = frame.instance;
        },
      },
    });
    clients.push(client);
    await client.start();
    await waitFor(() => instance !== undefined, { timeoutMs: 5_000, description: 'hello frame' });
    return { instance: instance!, url: client.connectUrl };
  };

  it('puts the clients of one room on one replica, and keeps the existing query', async () => {
    const rooms = Array.from({ length: 6 }, (_, index) => roomName('stick', index));
    const byRoom = new Map<string, Set<string>>();
    for (const room of rooms) {
      // Concurrent connects: without the key HAProxy falls back to round robin and spreads them.
      const landed = await Promise.all([landOn(room), landOn(room), landOn(room)]);
      expect(landed[0]!.url).toBe(`${proxy.wsUrl}/ws?probe=1&room=${room}`);
      byRoom.set(room, new Set(landed.map((one) => one.instance)));
    }
    for (const [room, instances] of byRoom) expect([room, instances.size]).toEqual([room, 1]);
    // The key is the room, not a constant: rooms spread over the replicas.
    const used = new Set([...byRoom.values()].flatMap((instances) => [...instances]));
    expect(used.size).toBeGreaterThan(1);
  }, 30_000);
});
