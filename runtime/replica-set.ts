import { join } from 'node:path';
import type { ProxyBackend } from '../proxy/options.js';
import { type RedisServerHandle, startRedis } from './redis.js';
import { type ReplicaHandle, startReplica } from './replica.js';

export type Replica = ReplicaHandle;

export interface ReplicaSet {
  redis: RedisServerHandle;
  replicas: Replica[];
  /** Starts one more replica on the same Redis (for example with pings off). */
  add(id: string, env?: Record<string, string>): Promise<Replica>;
  stop(): Promise<void>;
}

/** Redis plus `count` real replicas (ids r1..rN), as child processes under `dir`. */
export async function startReplicaSet(
  dir: string,
  count: number,
  env: Record<string, string>,
): Promise<ReplicaSet> {
  const redis = await startRedis({ dir: join(dir, 'redis') });
  const replicas: Replica[] = [];
  const startOne = (id: string, extra: Record<string, string>) =>
    startReplica({
      logDir: join(dir, 'replicas'),
      name: id,
      // HAProxy's active checks probe /readyz: start only once the replica is ready.
      waitReady: true,
      env: { BUS_MODE: 'single', REDIS_URL: redis.url, INSTANCE_ID: id, LOG_LEVEL: 'warn', ...env, ...extra },
    });
  const add = async (id: string, extra: Record<string, string> = {}): Promise<Replica> => {
    let replica: Replica;
    try {
      replica = await startOne(id, extra);
    } catch {
      // The free port can be taken by another process between pick and bind
      // (EADDRINUSE on a shared machine): one more try on a fresh port.
      replica = await startOne(id, extra);
    }
    replicas.push(replica);
    return replica;
  };
  const stopAll = async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis.stop();
  };
  const started = await Promise.allSettled(Array.from({ length: count }, (_, index) => add(`r${index + 1}`)));
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) {
    // Leave nothing running when the set cannot start (the caller never gets a handle to stop).
    await stopAll();
    throw (failed as PromiseRejectedResult).reason;
  }
  replicas.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return {
    redis,
    replicas,
    add,
    stop: stopAll,
  };
}

/** Proxy backends for replicas on 127.0.0.1, named by instance id. */
export function backendsOf(replicas: readonly Replica[]): ProxyBackend[] {
  return replicas.map((replica) => ({ id: replica.instanceId, host: '127.0.0.1', port: replica.port }));
}
