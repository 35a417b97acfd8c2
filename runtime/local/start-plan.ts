import { type ProxySettings, proxySettings } from '../../topology/proxy-input.js';
import { replicaEnv } from '../../topology/replica-env.js';
import {
  type Component,
  type ComponentResources,
  type ProxyKind,
  proxyKinds,
  type RedisMode,
  resourcesOf,
  type TopologySpec,
} from '../../topology/spec.js';

/** Redis Cluster shape the lab starts (as the Pulumi program: 3 masters, 1 replica each). */
export const LAB_CLUSTER = { masters: 3, replicasPerMaster: 1 } as const;

/** Where one replica runs in the lab: on 127.0.0.1, at a port and Redis address known at start. */
export interface LabReplicaPlacement {
  port: number;
  instanceId: string;
  redisUrl?: string;
  redisClusterNodes?: readonly string[];
  /** The lab Redis's password (generated per topology). */
  redisPassword?: string;
  /** The lab's admin key for POST /api/publish (generated per topology). */
  publishApiKey?: string;
}

/**
 * What the lab starts for a spec, decided before any process starts: a pure function of the
 * spec, so a test can compare it with what the Pulumi program declares without starting anything.
 */
export interface LabPlan {
  spec: TopologySpec;
  redis: { mode: RedisMode; nodes: number };
  replicas: number;
  proxies: ProxyKind[];
  /** The placement-free renderer input every proxy gets (backends, ports, paths are added at start). */
  proxy: ProxySettings;
  /** CPU/memory caps per component: the lab puts each process in a cgroup with them (runtime/cgroup.ts). */
  resources: Record<Component, ComponentResources>;
  /** The environment of one replica. */
  replicaEnv(placement: LabReplicaPlacement): Record<string, string>;
}

export function planTopology(spec: TopologySpec): LabPlan {
  return {
    spec,
    redis: {
      mode: spec.redisMode,
      nodes: spec.redisMode === 'cluster' ? LAB_CLUSTER.masters * (1 + LAB_CLUSTER.replicasPerMaster) : 1,
    },
    replicas: spec.replicas,
    proxies: proxyKinds(spec.proxy),
    proxy: proxySettings(spec),
    resources: {
      replica: resourcesOf(spec, 'replica'),
      redis: resourcesOf(spec, 'redis'),
      proxy: resourcesOf(spec, 'proxy'),
      load: resourcesOf(spec, 'load'),
    },
    replicaEnv: (placement) => replicaEnv(spec, { host: '127.0.0.1', ...placement }),
  };
}
