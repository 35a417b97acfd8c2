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
import type { LocalReplicaPlacement } from '../replica.js';
import { redisNodeCount } from './local-redis.js';

/**
 * What the local runtime starts for a spec, decided before any process starts: a pure function of
 * the spec, so a test can compare it with what the Pulumi program declares without starting anything.
 */
export interface LocalStartPlan {
  spec: TopologySpec;
  /** nodeTimeoutMs: cluster-node-timeout (cluster mode). */
  redis: { mode: RedisMode; nodes: number; nodeTimeoutMs: number };
  replicas: number;
  proxies: ProxyKind[];
  /** The placement-free renderer input every proxy gets (backends, ports, paths are added at start). */
  proxy: ProxySettings;
  /** CPU/memory caps per component: each process gets a cgroup with them (runtime/cgroup.ts). */
  resources: Record<Component, ComponentResources>;
  /** The environment of one replica on 127.0.0.1 (topology/replica-env.ts). */
  replicaEnv(placement: LocalReplicaPlacement & { port: number; instanceId: string }): Record<string, string>;
}

export function planLocalStart(spec: TopologySpec): LocalStartPlan {
  return {
    spec,
    redis: {
      mode: spec.redisMode,
      nodes: redisNodeCount(spec.redisMode),
      nodeTimeoutMs: spec.redisNodeTimeoutMs,
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
