import { join } from 'node:path';
import type { ProxyBackend } from '../../proxy/options.js';
import { resolveTopologySpec, type TopologySpecInput } from '../../topology/spec.js';
import type { RedisServerHandle } from '../redis.js';
import type { ReplicaHandle } from '../replica.js';
import { LocalRedis } from './local-redis.js';
import { LocalWsService } from './local-ws-service.js';

export type Replica = ReplicaHandle;

export interface ReplicaSet {
  redis: RedisServerHandle;
  replicas: Replica[];
  /** Starts one more replica on the same Redis, optionally with settings of its own (pings off). */
  add(id: string, specChanges?: TopologySpecInput): Promise<Replica>;
  stop(): Promise<void>;
}

/**
 * One Redis (no AUTH) plus `count` real replicas (ids r1..rN, started together) under `dir`, with
 * no proxy: proxy tests start their own around `backendsOf(set.replicas)`. `spec` changes the
 * replicas' settings (quiet logs by default).
 */
export async function startReplicaSet(
  dir: string,
  count: number,
  spec: TopologySpecInput = {},
): Promise<ReplicaSet> {
  const resolved = resolveTopologySpec({ logLevel: 'warn', ...spec, redisMode: 'single' });
  const redis = await LocalRedis.start({ dir: join(dir, 'redis'), mode: 'single' });
  const service = new LocalWsService({
    spec: resolved,
    logDir: join(dir, 'replicas'),
    placement: redis.placement(),
  });
  const replicas: Replica[] = [];
  const stopAll = async () => {
    await service.stop();
    await redis.stop();
  };
  try {
    await service.start(count, { parallel: true });
  } catch (error) {
    // Leave nothing running when the set cannot start (the caller never gets a handle to stop).
    await stopAll();
    throw error;
  }
  replicas.push(...service.handles());
  return {
    redis: redis.single!,
    replicas,
    async add(id, specChanges) {
      const slot = await service.add({ id, ...(specChanges ? { specChanges } : {}) });
      replicas.push(slot.handle!);
      return slot.handle!;
    },
    stop: stopAll,
  };
}

/** Proxy backends for replicas on 127.0.0.1, named by instance id. */
export function backendsOf(replicas: readonly Replica[]): ProxyBackend[] {
  return replicas.map((replica) => ({ id: replica.instanceId, host: '127.0.0.1', port: replica.port }));
}
