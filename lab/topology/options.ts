import { z } from 'zod';
import { STICKINESS_MODES } from '../../proxy/options.js';

/** Which proxies front the replicas. `both` runs HAProxy and Nginx side by side on their own ports. */
export const PROXY_CHOICES = ['haproxy', 'nginx', 'both', 'none'] as const;
export type ProxyChoice = (typeof PROXY_CHOICES)[number];
export type ProxyKind = 'haproxy' | 'nginx';

export const REDIS_MODES = ['single', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

/** Everything `wslab up` and the experiments can choose about the local topology. */
export const topologyOptionsSchema = z
  .object({
    /** Where configs, logs and data go (`.lab/` for `wslab up`, a run dir for experiments). */
    dir: z.string().min(1),
    proxy: z.enum(PROXY_CHOICES).default('haproxy'),
    replicas: z.number().int().min(1).max(16).default(2),
    redis: z.enum(REDIS_MODES).default('single'),
    /** Fan-out mode of the service; default follows `redis` (single → single, cluster → cluster). */
    busMode: z.enum(['single', 'cluster', 'broadcast']).optional(),
    stickiness: z.enum(STICKINESS_MODES).default('none'),
    history: z.boolean().default(true),
    /** The service's PING_INTERVAL_MS (0 = no server pings). */
    pingIntervalMs: z.number().int().min(0).default(25_000),
    /** Proxy idle timeout of upgraded connections (tunnel); unset = the proxy default. */
    tunnelTimeoutMs: z.number().int().positive().optional(),
    /** Proxy connect timeout to a replica; unset = the proxy default. */
    connectTimeoutMs: z.number().int().positive().optional(),
    /** The service's DRAIN_WINDOW_MS (SIGTERM drain). */
    drainWindowMs: z.number().int().min(0).default(2_000),
    /** Extra service env for every replica (PUBLISH_RATE_PER_S and such). */
    replicaEnv: z.record(z.string(), z.string()).default({}),
  })
  .refine((options) => options.busMode !== 'cluster' || options.redis === 'cluster', {
    message: 'busMode cluster needs redis cluster',
    path: ['busMode'],
  })
  .refine((options) => options.redis !== 'cluster' || options.busMode !== 'broadcast', {
    message: 'busMode broadcast runs on a single Redis; use redis single',
    path: ['busMode'],
  });

export type TopologyOptionsInput = z.input<typeof topologyOptionsSchema>;
export type TopologyOptions = z.output<typeof topologyOptionsSchema>;

/** Defaults merged once, bad combinations rejected with one message each. */
export function resolveTopologyOptions(input: TopologyOptionsInput): TopologyOptions {
  return topologyOptionsSchema.parse(input);
}

/** The proxies a choice starts. */
export function proxyKinds(choice: ProxyChoice): ProxyKind[] {
  if (choice === 'both') return ['haproxy', 'nginx'];
  if (choice === 'none') return [];
  return [choice];
}
