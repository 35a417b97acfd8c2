import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { waitFor } from '../../../runtime/wait-for.js';
import { parseSeed } from '../../src/bus/connect.js';
import { createBroadcastBus, createClusterBus, createSingleBus } from '../../src/bus/redis.js';
import type { RedisBus } from '../../src/bus/redis-bus.js';
import { broadcastChannel, roomKeys } from '../../src/contracts/redis-keys.js';
import type { BusHarness } from './bus-suite.js';

/** A scratch directory for one test file's Redis logs and data. */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `wslab-${label}-`));
}

/** Fast reconnects so the tests measure the bus, not ioredis's backoff. */
const retryStrategy = (attempt: number): number => Math.min(50 * attempt, 500);

/** Clients made for buses in one test file, quit in afterAll. */
export class ClientPool {
  private readonly clients: Array<Redis | Cluster> = [];

  redis(url: string): Redis {
    const client = new Redis(url, { retryStrategy, maxRetriesPerRequest: 3 });
    client.on('error', () => undefined); // reconnects are expected in these tests
    this.clients.push(client);
    return client;
  }

  cluster(seeds: string[]): Cluster {
    const client = new Cluster(seeds.map(parseSeed), {
      shardedSubscribers: true,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { maxRetriesPerRequest: 3 },
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshInterval: 1_000,
    });
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
  }
}

async function ready(bus: RedisBus): Promise<RedisBus> {
  await waitFor(() => bus.state === 'ready', { description: `${bus.mode} bus ready` });
  return bus;
}

/** Harness for the single and broadcast modes on one redis-server. */
export function singleHarness(mode: 'single' | 'broadcast', url: string, pool: ClientPool): BusHarness {
  const raw = pool.redis(url);
  return {
    createBus: (options) => {
      const clients = { pub: pool.redis(url), sub: pool.redis(url) };
      return ready(
        mode === 'single' ? createSingleBus(clients, options) : createBroadcastBus(clients, options),
      );
    },
    publishRaw: async (room, payload) => {
      await raw.publish(mode === 'single' ? roomKeys(room).channel : broadcastChannel(), payload);
    },
    deleteHistory: async (room) => {
      const keys = roomKeys(room);
      await raw.del(keys.stream, keys.meta);
    },
  };
}

/** Harness for cluster mode. */
export function clusterHarness(seeds: string[], pool: ClientPool): BusHarness {
  const raw = pool.cluster(seeds);
  return {
    createBus: (options) => ready(createClusterBus({ cluster: pool.cluster(seeds) }, options)),
    publishRaw: async (room, payload) => {
      await raw.spublish(roomKeys(room).channel, payload);
    },
    deleteHistory: async (room) => {
      const keys = roomKeys(room);
      await raw.del(keys.stream, keys.meta);
    },
  };
}
