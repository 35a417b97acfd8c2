import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX } from '../contracts/redis-keys.js';
import { BroadcastFanout, ChannelFanout, ShardedFanout } from './fanout.js';
import type { BusOptions } from './options.js';
import { RedisBus } from './redis-bus.js';

/** Two connections to one Redis: `pub` runs commands, `sub` enters subscriber mode. */
export interface SingleRedisClients {
  pub: Redis;
  sub: Redis;
}

/** One ioredis Cluster created with `shardedSubscribers: true` (commands and SSUBSCRIBE both go through it). */
export interface ClusterRedisClients {
  cluster: Cluster;
}

function checkDistinct(clients: SingleRedisClients): void {
  if (clients.pub === clients.sub) throw new TypeError('bus: pub and sub must be two different connections');
}

/**
 * `single` mode: per-room channels with SUBSCRIBE/PUBLISH on one Redis.
 * The clients are injected (socket.io-redis-adapter style) and stay owned by the caller.
 */
export function createSingleBus(clients: SingleRedisClients, options: BusOptions): RedisBus {
  checkDistinct(clients);
  return new RedisBus(
    {
      mode: 'single',
      commands: clients.pub,
      fanout: new ChannelFanout(clients.sub, options.keyPrefix ?? DEFAULT_KEY_PREFIX),
      watched: [clients.pub, clients.sub],
    },
    options,
  );
}

/**
 * `cluster` mode: per-room sharded channels (SSUBSCRIBE/SPUBLISH); a room's
 * stream, meta and channel share its hash tag, hence one slot and one shard.
 */
export function createClusterBus(clients: ClusterRedisClients, options: BusOptions): RedisBus {
  if (clients.cluster.options.shardedSubscribers !== true) {
    throw new TypeError('bus: cluster mode needs an ioredis Cluster created with shardedSubscribers: true');
  }
  return new RedisBus(
    {
      mode: 'cluster',
      commands: clients.cluster,
      fanout: new ShardedFanout(clients.cluster, options.keyPrefix ?? DEFAULT_KEY_PREFIX),
      watched: [clients.cluster],
    },
    options,
  );
}

/** `broadcast` mode (the baseline): one general channel on one Redis, rooms filtered locally. */
export function createBroadcastBus(clients: SingleRedisClients, options: BusOptions): RedisBus {
  checkDistinct(clients);
  return new RedisBus(
    {
      mode: 'broadcast',
      commands: clients.pub,
      fanout: new BroadcastFanout(clients.sub, options.keyPrefix ?? DEFAULT_KEY_PREFIX),
      watched: [clients.pub, clients.sub],
    },
    options,
  );
}
