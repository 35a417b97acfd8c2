import { Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import type { BusMode } from './bus.js';
import type { ClusterRedisClients, SingleRedisClients } from './redis.js';

/** The part of the service config that says how to reach Redis (names as in app/src/config.ts). */
export interface RedisConnectionConfig {
  busMode: BusMode;
  /** single / broadcast */
  redisUrl: string;
  /** cluster: `host:port` seeds */
  redisClusterNodes: string[];
  redisPassword?: string | undefined;
}

export type RedisConnections =
  | ({ kind: 'single' } & SingleRedisClients)
  | ({ kind: 'cluster' } & ClusterRedisClients);

/** Reconnect quickly (a lab measures recovery), but never faster than every 50 ms nor slower than 1 s. */
function retryDelayMs(attempt: number): number {
  return Math.min(50 * attempt, 1_000);
}

const commonOptions: RedisOptions = {
  retryStrategy: retryDelayMs,
  // The bus bounds every operation itself; this only stops ioredis from piling retries up.
  maxRetriesPerRequest: 3,
};

/** Parses `host:port` (IPv6 as `[::1]:6379`). */
export function parseSeed(seed: string): ClusterNode {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(seed.trim());
  if (match === null)
    throw new TypeError(`bus: bad cluster seed ${JSON.stringify(seed)}, expected host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

/**
 * Builds the ioredis clients a Redis bus needs from the service config
 * (main.ts does this; the buses themselves only take clients). Not for `memory`.
 */
export function connectRedis(config: RedisConnectionConfig): RedisConnections {
  const password = config.redisPassword;
  if (config.busMode === 'cluster') {
    const cluster = new Cluster(config.redisClusterNodes.map(parseSeed), {
      shardedSubscribers: true,
      // Node connections reconnect under clusterRetryStrategy; a retryStrategy here is not allowed.
      redisOptions: { maxRetriesPerRequest: 3, ...(password === undefined ? {} : { password }) },
      clusterRetryStrategy: retryDelayMs,
      // During a failover: retry a command on MOVED/CLUSTERDOWN soon, and refresh
      // the slot map often enough to find the promoted replica without waiting 5 s.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshInterval: 1_000,
    });
    return { kind: 'cluster', cluster };
  }
  if (config.busMode === 'memory') throw new TypeError('bus: memory mode has no Redis connection');
  const options: RedisOptions = { ...commonOptions, ...(password === undefined ? {} : { password }) };
  return {
    kind: 'single',
    pub: new Redis(config.redisUrl, { ...options, connectionName: 'wslab-pub' }),
    sub: new Redis(config.redisUrl, { ...options, connectionName: 'wslab-sub' }),
  };
}

/** Closes the connections built by connectRedis (QUIT, then a hard disconnect if QUIT cannot be sent). */
export async function disconnectRedis(connections: RedisConnections): Promise<void> {
  const clients = connections.kind === 'cluster' ? [connections.cluster] : [connections.pub, connections.sub];
  await Promise.all(
    clients.map(async (client) => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }),
  );
}
