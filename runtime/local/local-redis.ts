import type { ReplicaPlacement } from '../../topology/replica-env.js';
import type { RedisMode } from '../../topology/spec.js';
import type { ResourceCaps } from '../cgroup.js';
import type { ManagedProcess, ProcessHost } from '../managed-process.js';
import { type RedisClusterHandle, type RedisServerHandle, startRedis, startRedisCluster } from '../redis.js';

/** Redis Cluster shape the local runtime starts (as infra/components/redis-cluster.ts: 3 masters, 1 replica each). */
export const LOCAL_CLUSTER_SHAPE = { masters: 3, replicasPerMaster: 1 } as const;

/** Nodes a Redis mode starts locally. */
export function redisNodeCount(mode: RedisMode): number {
  if (mode === 'none') return 0;
  return mode === 'cluster' ? LOCAL_CLUSTER_SHAPE.masters * (1 + LOCAL_CLUSTER_SHAPE.replicasPerMaster) : 1;
}

/** How a replica reaches Redis: the Redis part of its placement (topology/replica-env.ts). */
export type RedisPlacement = Pick<ReplicaPlacement, 'redisUrl' | 'redisClusterNodes' | 'redisPassword'>;

export interface LocalRedisOptions {
  /** Data, pid files and logs go under it. */
  dir: string;
  mode: RedisMode;
  /** requirepass (masterauth too on a cluster); unset = no AUTH. */
  password?: string;
  caps?: ResourceCaps;
  /** Cluster only: cluster-node-timeout, the time before a replica is promoted (default 2000 ms). */
  nodeTimeoutMs?: number;
  /** Lab hosts (runtime/hosts/): single Redis runs on the first, cluster node i on `hosts[i]`. Unset: 127.0.0.1. */
  hosts?: readonly ProcessHost[];
}

/**
 * Redis for the replicas as local processes, the counterpart of infra/components/redis-cluster.ts:
 * one server, a 6-node cluster, or nothing (`none`: the in-process bus).
 */
export class LocalRedis {
  private constructor(
    readonly mode: RedisMode,
    readonly password: string | undefined,
    readonly single: RedisServerHandle | undefined,
    readonly cluster: RedisClusterHandle | undefined,
  ) {}

  static async start(options: LocalRedisOptions): Promise<LocalRedis> {
    const { dir, mode, password, caps, nodeTimeoutMs, hosts } = options;
    const common = { dir, ...(password === undefined ? {} : { password }), ...(caps ? { caps } : {}) };
    if (mode === 'cluster') {
      const cluster = await startRedisCluster({
        ...common,
        ...LOCAL_CLUSTER_SHAPE,
        ...(hosts ? { hosts } : {}),
        ...(nodeTimeoutMs === undefined ? {} : { nodeTimeoutMs }),
      });
      return new LocalRedis(mode, password, undefined, cluster);
    }
    if (mode === 'single') {
      const host = hosts?.[0];
      return new LocalRedis(
        mode,
        password,
        await startRedis({ ...common, ...(host ? { host } : {}) }),
        undefined,
      );
    }
    return new LocalRedis(mode, password, undefined, undefined);
  }

  /** What a replica's env needs to reach this Redis (nothing for `none`). */
  placement(): RedisPlacement {
    return {
      ...(this.single ? { redisUrl: this.single.url } : {}),
      ...(this.cluster ? { redisClusterNodes: this.cluster.seeds } : {}),
      ...(this.password === undefined || this.mode === 'none' ? {} : { redisPassword: this.password }),
    };
  }

  /** Ports of the live Redis servers (one, or every running cluster node). */
  livePorts(): number[] {
    if (this.single) return [this.single.port];
    return (this.cluster?.nodes ?? []).filter((node) => node.process.running).map((node) => node.port);
  }

  /** Every process started (running or not). */
  processes(): ManagedProcess[] {
    if (this.single) return [this.single.process];
    return (this.cluster?.nodes ?? []).map((node) => node.process);
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.single?.stop(), this.cluster?.stop()]);
  }
}
