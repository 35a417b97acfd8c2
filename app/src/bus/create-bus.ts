import type { Bus, BusMode } from './bus.js';
import { connectRedis, disconnectRedis, type RedisConnectionConfig } from './connect.js';
import { createMemoryBus, type MemoryBroker } from './memory.js';
import { createBroadcastBus, createClusterBus, createSingleBus } from './redis.js';

/** The service config fields the bus needs (names as in app/src/config.ts, so a Config fits as is). */
export interface BusConfig extends RedisConnectionConfig {
  busMode: BusMode;
  instanceId: string;
  history: boolean;
  historySize: number;
  historyTtlS: number;
  /** Bus `replicaAcks` (default 0). */
  historyReplicaAcks?: number;
  /** Bus `replicaAckTimeoutMs` (default 200). */
  historyReplicaAckTimeoutMs?: number;
}

/** A bus plus the connections built for it. */
export interface CreatedBus {
  bus: Bus;
  /** Closes the bus, then the Redis connections it was built on. */
  close(): Promise<void>;
}

/**
 * Selects and builds the bus for `config.busMode`: connects to Redis as the
 * config says (connect.ts) and injects the clients. `memory` uses `broker`
 * (a private one when omitted).
 */
export function createBus(config: BusConfig, extras: { broker?: MemoryBroker } = {}): CreatedBus {
  const options = {
    instanceId: config.instanceId,
    history: config.history,
    historySize: config.historySize,
    historyTtlS: config.historyTtlS,
    ...(config.historyReplicaAcks === undefined ? {} : { replicaAcks: config.historyReplicaAcks }),
    ...(config.historyReplicaAckTimeoutMs === undefined
      ? {}
      : { replicaAckTimeoutMs: config.historyReplicaAckTimeoutMs }),
  };
  if (config.busMode === 'memory') {
    const bus = createMemoryBus(options, extras.broker);
    return { bus, close: () => bus.close() };
  }
  const connections = connectRedis(config);
  let bus: Bus;
  if (connections.kind === 'cluster') bus = createClusterBus(connections, options);
  else if (config.busMode === 'broadcast') bus = createBroadcastBus(connections, options);
  else bus = createSingleBus(connections, options);
  return {
    bus,
    async close() {
      await bus.close();
      await disconnectRedis(connections);
    },
  };
}
