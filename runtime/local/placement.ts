import type { TopologySpec } from '../../topology/spec.js';
import { redisNodeCount } from './local-redis.js';

/**
 * Which lab host each component of a spec runs on (`hosts` > 1), decided before anything starts,
 * so experiments know where to aim a fault and a test can check the layout without starting it.
 *
 * Hosts are `h1` … `hN`:
 * - `h1` is the edge: every proxy, nothing else (a fault on the replicas' hosts never hits it);
 * - `h2` … `hN` are the back hosts. Single Redis runs on `h2`; the six cluster nodes go
 *   round-robin over every back host (redis-cli then puts each replica on another host than its
 *   master);
 * - replicas go round-robin (r1, r2, …) over the back hosts that hold no Redis when there are at
 *   least two of them (hosts ≥ 4 with single Redis: Redis alone on `h2`), else over every back
 *   host (hosts 2 or 3: r1 shares `h2` with Redis, r2 has `h3` to itself).
 *
 * With `hosts` 1 there is no lab network: everything stays on 127.0.0.1, as before.
 */
export interface HostPlacement {
  /** Every host, in creation order: `h1` … `hN`. */
  hosts: string[];
  /** Where the proxies run. */
  edge: string;
  /** Single Redis: one entry; cluster: one per node in start order; none: empty. */
  redis: string[];
  /** The hosts replicas take round-robin, in order. */
  replicaHosts: string[];
  /** The host of replica number `ordinal` (0 for r1, also for replicas added later). */
  replicaHost(ordinal: number): string;
}

export const EDGE_HOST = 'h1';

export function hostName(index: number): string {
  return `h${index + 1}`;
}

/** The layout for a spec with `hosts` > 1; undefined for one host (loopback, no namespaces). */
export function placementFor(spec: Pick<TopologySpec, 'hosts' | 'redisMode'>): HostPlacement | undefined {
  if (spec.hosts <= 1) return undefined;
  const hosts = Array.from({ length: spec.hosts }, (_, index) => hostName(index));
  const back = hosts.slice(1);
  const nodes = redisNodeCount(spec.redisMode);
  const redis =
    spec.redisMode === 'cluster'
      ? Array.from({ length: nodes }, (_, index) => back[index % back.length]!)
      : nodes === 1
        ? [back[0]!]
        : [];
  const withoutRedis = back.filter((host) => !redis.includes(host));
  const replicaHosts = withoutRedis.length >= 2 ? withoutRedis : back;
  return {
    hosts,
    edge: EDGE_HOST,
    redis,
    replicaHosts,
    replicaHost: (ordinal) => replicaHosts[ordinal % replicaHosts.length]!,
  };
}
