import type { RedisClusterHandle, RedisServerHandle } from '../redis.js';
import type { LocalLoadBalancer } from './local-load-balancer.js';
import type { ReplicaSlot } from './local-ws-service.js';

/** A component of the running topology, as `status` and state.json show it. */
export interface ComponentInfo {
  name: string;
  kind: 'redis' | 'replica' | 'haproxy' | 'nginx';
  pid: number;
  port: number;
  /** The address it listens on: 127.0.0.1, or its lab host's. */
  address: string;
  /** Its lab host's name (`hosts` > 1: h1…hN); absent on one host. */
  host?: string;
  /** Where clients or tools reach it. */
  url: string;
  /** Replicas: HTTP base URL (health, metrics); proxies: the stats URL. */
  adminUrl?: string;
  logPath: string;
}

export interface TopologyParts {
  redisSingle: RedisServerHandle | undefined;
  redisCluster: RedisClusterHandle | undefined;
  replicas: readonly ReplicaSlot[];
  proxies: readonly LocalLoadBalancer[];
  /** The lab host's name at an address (undefined on one host). */
  hostAt(address: string): string | undefined;
}

/** The running components of a topology's parts: each with its pid, port, address and host. */
export function runningComponents(parts: TopologyParts): ComponentInfo[] {
  const placed = (address: string): { address: string; host?: string } => {
    const host = parts.hostAt(address);
    return host === undefined ? { address } : { address, host };
  };
  const components: ComponentInfo[] = [];
  const single = parts.redisSingle;
  if (single) {
    const address = new URL(single.url).hostname;
    components.push({
      name: 'redis',
      kind: 'redis',
      pid: single.pid,
      port: single.port,
      ...placed(address),
      url: `redis://${address}:${single.port}`,
      logPath: single.process.logPath,
    });
  }
  for (const node of parts.redisCluster?.nodes ?? []) {
    if (!node.process.running) continue;
    components.push({
      name: `redis-${node.port}`,
      kind: 'redis',
      pid: node.process.pid,
      port: node.port,
      ...placed(node.address),
      url: `redis://${node.address}:${node.port}`,
      logPath: node.process.logPath,
    });
  }
  for (const slot of parts.replicas) {
    if (!slot.handle?.process.running) continue;
    components.push({
      name: slot.id,
      kind: 'replica',
      pid: slot.handle.process.pid,
      port: slot.port,
      ...placed(slot.address),
      url: slot.wsUrl,
      adminUrl: slot.httpUrl,
      logPath: slot.handle.process.logPath,
    });
  }
  for (const proxy of parts.proxies) {
    components.push({
      name: proxy.kind,
      kind: proxy.kind,
      pid: proxy.pid,
      port: proxy.port,
      ...placed(proxy.address),
      url: proxy.wsUrl,
      adminUrl: proxy.statsUrl,
      logPath: proxy.logPath,
    });
  }
  return components;
}
