import { z } from 'zod';
import {
  LOG_LEVELS,
  SERVICE_DEFAULTS,
  SERVICE_INTEGER_SETTINGS,
  type ServiceIntegerSetting,
} from '../app/src/config.js';
import {
  PROXY_DEFAULTS,
  PROXY_RANGES,
  STICKINESS_MODES,
  type Stickiness,
  tunnelTimeoutMsFor,
} from '../proxy/options.js';

/**
 * The topology spec: every setting of a deployment, each with exactly one default and one
 * range, in this one zod schema. A Pulumi stack file (topology/stack-config.ts), `wslab up` flags and
 * each experiment produce it; the lab's local runtime and the Pulumi program consume it.
 * Service settings take their default and range from app/src/config.ts, proxy settings from
 * proxy/options.ts: imported, never copied. Keys are flat and are the stack file's keys
 * (`wslab:<key>`), so an error names the key a user typed. topology/README.md lists every key.
 */

/** Which proxies front the replicas. `both` and `none` exist in the lab only (Pulumi deploys one). */
export const PROXY_CHOICES = ['haproxy', 'nginx', 'both', 'none'] as const;
export type ProxyChoice = (typeof PROXY_CHOICES)[number];
export const PROXY_KINDS = ['haproxy', 'nginx'] as const;
export type ProxyKind = (typeof PROXY_KINDS)[number];
/**
 * `none`: no Redis, the service's in-process bus (one replica; benchmarks and tests of a lone
 * replica). A lab choice: Pulumi deploys `single` or `cluster`.
 */
export const REDIS_MODES = ['single', 'cluster', 'none'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];
export const DEPLOYED_REDIS_MODES = ['single', 'cluster'] as const;
export type DeployedRedisMode = (typeof DEPLOYED_REDIS_MODES)[number];
/**
 * How replicas fan out through Redis: per-room channels (sharded pub/sub on a cluster), or the
 * seed's one general channel, kept as the experiments' baseline (single Redis only).
 */
export const FANOUT_MODES = ['per-room', 'broadcast'] as const;
export type FanoutMode = (typeof FANOUT_MODES)[number];
/**
 * `jwt`: upgrades need a token signed with the deployment's secret (generated per deployment:
 * per lab topology, a Pulumi secret per stack). `none`: anyone may connect, join and publish; a
 * choice that the startup log, `wslab status` and every report state.
 */
export const AUTH_MODES = ['jwt', 'none'] as const;
/**
 * Where the Pulumi program deploys: containers on one Docker engine, services on a Docker Swarm
 * (infra/swarm/; the engine this runs against is a Swarm manager), or Kubernetes objects
 * (infra/kubernetes/: verified by mocks, a strict schema and config identity; no cluster runs on
 * these machines). One enum for every orchestrator the program knows.
 */
export const PLATFORMS = ['docker', 'swarm', 'kubernetes'] as const;
export type Platform = (typeof PLATFORMS)[number];
export type AuthMode = (typeof AUTH_MODES)[number];
export { LOG_LEVELS, STICKINESS_MODES, type Stickiness };

/** Who reads a setting: both runtimes unless it says otherwise. */
export interface FieldMeta {
  /** One line for topology/README.md. */
  description: string;
  /**
   * `lab`: only the local runtime reads it; a stack file may not set it.
   * `docker`: only the Pulumi program reads it (published ports, images); the lab runs local
   * binaries on free loopback ports and has no flag for it.
   */
  scope?: 'lab' | 'docker';
  /** For text fields: what a valid value looks like (the error says "must be <expectation>"). */
  expectation?: string;
}

const integer = (min: number, max: number) => z.number().int().min(min).max(max);
/** A service setting: default and range from app/src/config.ts. */
const service = (name: ServiceIntegerSetting, description: string) => {
  const setting = SERVICE_INTEGER_SETTINGS[name];
  return integer(setting.min, setting.max)
    .default(setting.default)
    .meta({ description: `${description} (service ${name})` } satisfies FieldMeta);
};
/** A proxy timeout: default from PROXY_DEFAULTS, range from PROXY_RANGES (proxy/options.ts). */
const proxyTimeout = (name: 'connectMs' | 'clientMs' | 'serverMs', description: string) =>
  integer(PROXY_RANGES[name].min, PROXY_RANGES[name].max)
    .default(PROXY_DEFAULTS.timeouts[name])
    .meta({ description } satisfies FieldMeta);
const port = () => integer(1, 65535);
// An image reference: [registry[:port]/]repository[:tag][@digest], no whitespace.
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/;
const image = (fallback: string, description: string) =>
  z
    .string()
    .regex(IMAGE_REF)
    .default(fallback)
    .meta({
      description,
      scope: 'docker',
      expectation: 'an image reference such as redis:7.4',
    } satisfies FieldMeta);
// Origins as browsers send them: scheme://host[:port], no path; comma-separated.
const ORIGIN_LIST = /^https?:\/\/[^\s/,]+(,https?:\/\/[^\s/,]+)*$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** CPU and memory caps of one component: unset = uncapped (the default). */
const cpuCores = (component: string, scope?: 'lab') =>
  z
    .number()
    .min(0.05)
    .max(64)
    .optional()
    .meta({ description: `CPU cores the ${component} may use (unset: uncapped)`, scope } satisfies FieldMeta);
const memoryMiB = (component: string, scope?: 'lab') =>
  integer(16, 1_048_576)
    .optional()
    .meta({
      description: `memory cap of the ${component} in MiB (unset: uncapped)`,
      scope,
    } satisfies FieldMeta);

/** The schema without the cross-field rules (topology/stack-config.ts checks fields one by one). */
export const topologySpecFields = z.object({
  platform: z
    .enum(PLATFORMS)
    .default('docker')
    .meta({
      description:
        'what the Pulumi program deploys to: one Docker engine, a Docker Swarm (services), or Kubernetes (objects)',
      scope: 'docker',
    } satisfies FieldMeta),
  swarmHosts: integer(1, 16)
    .default(3)
    .meta({
      description:
        'Swarm: nodes labelled wslab.host=0..N-1; Redis node i is pinned to host i mod N (platform swarm only)',
      scope: 'docker',
    } satisfies FieldMeta),
  proxy: z
    .enum(PROXY_CHOICES)
    .default('haproxy')
    .meta({ description: 'proxy in front of the replicas (a stack file: haproxy or nginx, required)' }),
  stickiness: z
    .enum(STICKINESS_MODES)
    .default(PROXY_DEFAULTS.stickiness)
    .meta({ description: 'how a client is pinned to a replica' }),
  replicas: integer(1, 32).default(2).meta({ description: 'service replicas behind the proxy' }),
  hosts: integer(1, 16)
    .default(1)
    .meta({
      description:
        'lab hosts the components are spread on (network namespaces on a lab bridge; runtime/local/placement.ts); 1 = everything on loopback',
      scope: 'lab',
    } satisfies FieldMeta),
  redisMode: z.enum(REDIS_MODES).default('single').meta({
    description:
      'one Redis server, a 6-node Redis Cluster (sharded pub/sub), or none (in-process bus, one replica; lab only)',
  }),
  redisNodeTimeoutMs: integer(100, 60_000)
    .default(2_000)
    .meta({
      description: 'Redis Cluster: how long a master may be unreachable before its replica is promoted',
    } satisfies FieldMeta),
  fanout: z
    .enum(FANOUT_MODES)
    .default('per-room')
    .meta({ description: 'per-room channels, or the one general channel (baseline; single Redis only)' }),
  history: z
    .boolean()
    .default(SERVICE_DEFAULTS.HISTORY === 'on')
    .meta({ description: 'per-room capped stream for resume after reconnect (service HISTORY)' }),
  historySize: service('HISTORY_SIZE', 'entries kept per room stream'),
  historyTtlS: service('HISTORY_TTL_S', 'idle room streams expire after this'),
  historyReplicaAcks: service('HISTORY_REPLICA_ACKS', 'Redis replicas that confirm each stored publish'),
  historyReplicaAckTimeoutMs: service(
    'HISTORY_REPLICA_ACK_TIMEOUT_MS',
    'how long that confirmation may take',
  ),
  pingIntervalMs: service('PING_INTERVAL_MS', 'server ping interval, 0 = none; below the tunnel timeout'),
  heartbeatIntervalMs: service(
    'HEARTBEAT_INTERVAL_MS',
    "server `ping` frame interval, 0 = none; clients give a silent link up after it + grace, the proxies' tunnel timeout is derived from it",
  ),
  drainWindowMs: service('DRAIN_WINDOW_MS', 'how long a replica spends closing its clients on SIGTERM'),
  maxFrameBytes: service('MAX_FRAME_BYTES', 'largest client frame'),
  maxRoomsPerConnection: service('MAX_ROOMS_PER_CONNECTION', 'rooms one connection may join'),
  publishRatePerS: service('PUBLISH_RATE_PER_S', 'publishes per second per connection'),
  publishBurst: service('PUBLISH_BURST', 'publish burst per connection'),
  sendBufferMaxBytes: service('SEND_BUFFER_MAX_BYTES', 'per-socket send buffer before a 1013 close'),
  handshakeTimeoutMs: service('HANDSHAKE_TIMEOUT_MS', 'an unfinished HTTP upgrade is dropped after this'),
  maxConnections: service(
    'MAX_CONNECTIONS',
    'open WebSocket connections per replica; past it an upgrade gets 503',
  ),
  auth: z.enum(AUTH_MODES).default('none').meta({
    description:
      'jwt: upgrades need a token signed with the generated secret of the deployment; none: open (stated in logs, status, reports)',
  }),
  authTokenMaxLifetimeS: service(
    'AUTH_TOKEN_MAX_LIFETIME_S',
    'longest lifetime (exp − iat) a client token may claim; longer → 401',
  ),
  authClockSkewS: service(
    'AUTH_CLOCK_SKEW_S',
    'clock difference tolerated on the exp, nbf and iat of a token',
  ),
  allowedOrigins: z
    .string()
    .regex(ORIGIN_LIST)
    .optional()
    .meta({
      description:
        'browser Origins allowed to upgrade (service ALLOWED_ORIGINS); with auth on, unset = no browser Origin',
      expectation: 'a comma list of scheme://host[:port] such as https://app.example',
    } satisfies FieldMeta),
  logLevel: z
    .enum(LOG_LEVELS)
    .default(SERVICE_DEFAULTS.LOG_LEVEL)
    .meta({ description: 'service log level (service LOG_LEVEL)' }),
  proxyConnectTimeoutMs: proxyTimeout('connectMs', 'proxy: TCP connect to a replica'),
  proxyClientTimeoutMs: proxyTimeout('clientMs', 'proxy: client inactivity before the upgrade'),
  proxyServerTimeoutMs: proxyTimeout('serverMs', 'proxy: server inactivity before the upgrade'),
  proxyTunnelTimeoutMs: integer(PROXY_RANGES.tunnelMs.min, PROXY_RANGES.tunnelMs.max)
    .optional()
    .meta({
      description:
        'proxy: idle timeout of an upgraded (WebSocket) connection (unset: derived from heartbeatIntervalMs, 60 s without one)',
    } satisfies FieldMeta),
  proxyWorkers: integer(PROXY_RANGES.workers.min, PROXY_RANGES.workers.max)
    .default(PROXY_DEFAULTS.limits.workers)
    .meta({ description: 'HAProxy threads / Nginx worker processes' }),
  proxyConnectionsPerAddress: integer(
    PROXY_RANGES.connectionsPerAddress.min,
    PROXY_RANGES.connectionsPerAddress.max,
  )
    .default(PROXY_DEFAULTS.limits.connectionsPerAddress)
    .meta({ description: 'proxy: open connections one client address may hold; past it 429' }),
  proxyConnectRatePerAddressPerS: integer(
    PROXY_RANGES.connectRatePerAddressPerS.min,
    PROXY_RANGES.connectRatePerAddressPerS.max,
  )
    .default(PROXY_DEFAULTS.limits.connectRatePerAddressPerS)
    .meta({ description: 'proxy: new connections per second from one client address; past it 429' }),
  httpPort: port()
    .default(8080)
    .meta({
      description: 'host port of the proxy WebSocket/HTTP listener',
      scope: 'docker',
    } satisfies FieldMeta),
  statsPort: port()
    .default(PROXY_DEFAULTS.statsPort)
    .meta({
      description: 'host port of the proxy stats/metrics listener',
      scope: 'docker',
    } satisfies FieldMeta),
  publishAddress: z.string().regex(IPV4).default('127.0.0.1').meta({
    description: 'host address the published ports bind to',
    scope: 'docker',
    expectation: 'an IPv4 address such as 127.0.0.1 or 0.0.0.0',
  }),
  redisHostPort: port()
    .optional()
    .meta({
      description: 'host port for Redis node 0 (unset: Redis stays private)',
      scope: 'docker',
    } satisfies FieldMeta),
  nodeImage: image('node:20.20.2-bookworm-slim', 'base image of app/Dockerfile (build arg NODE_IMAGE)'),
  redisImage: image('redis:7.4-bookworm', 'Redis image'),
  haproxyImage: image('haproxy:2.8-bookworm', 'HAProxy image'),
  nginxImage: image('nginx:1.26-bookworm', 'Nginx image'),
  appImage: image('wslab-app:dev', 'name given to the locally built service image'),
  cpuPeriodUs: integer(1_000, 1_000_000).default(100_000).meta({
    description:
      'CFS period every CPU cap is counted in, µs (a cap of c cores runs c × period per period; Docker --cpu-period)',
  }),
  replicaCpuCores: cpuCores('replica'),
  replicaMemoryMiB: memoryMiB('replica'),
  redisCpuCores: cpuCores('Redis node'),
  redisMemoryMiB: memoryMiB('Redis node'),
  proxyCpuCores: cpuCores('proxy'),
  proxyMemoryMiB: memoryMiB('proxy'),
  loadCpuCores: cpuCores('load generator', 'lab'),
  hostCpuCores: cpuCores('lab host, everything on it together (`hosts` > 1)', 'lab'),
  loadMemoryMiB: memoryMiB('load generator', 'lab'),
});

export type TopologySpecKey = keyof typeof topologySpecFields.shape;
export const TOPOLOGY_SPEC_KEYS = Object.keys(topologySpecFields.shape) as TopologySpecKey[];

/** The cross-field rules, one message per broken rule; `name` spells a key (`wslab:` in stack files). */
export function combinationProblems(
  spec: z.output<typeof topologySpecFields>,
  name: (key: TopologySpecKey) => string = (key) => key,
): string[] {
  const problems: string[] = [];
  if (spec.httpPort === spec.statsPort) {
    problems.push(`${name('statsPort')} must differ from ${name('httpPort')} (${spec.httpPort})`);
  }
  // What keeps an idle tunnel open: the heartbeat when on, else the WebSocket pings.
  const tunnelMs = tunnelTimeoutMsOf(spec);
  const keepAlive =
    spec.heartbeatIntervalMs > 0
      ? { key: 'heartbeatIntervalMs' as const, ms: spec.heartbeatIntervalMs }
      : { key: 'pingIntervalMs' as const, ms: spec.pingIntervalMs };
  if (keepAlive.ms > 0 && keepAlive.ms >= tunnelMs) {
    problems.push(
      `${name(keepAlive.key)} (${keepAlive.ms}) must be below ${name('proxyTunnelTimeoutMs')} (${tunnelMs}), or the proxy drops idle sockets between pings`,
    );
  }
  if (spec.fanout === 'broadcast' && spec.redisMode !== 'single') {
    problems.push(`${name('fanout')} broadcast runs on a single Redis; set ${name('redisMode')} single`);
  }
  if (spec.redisMode === 'none' && spec.replicas !== 1) {
    problems.push(
      `${name('redisMode')} none runs one replica (its bus is in-process); set ${name('replicas')} 1`,
    );
  }
  if (spec.redisMode === 'none' && spec.historyReplicaAcks > 0) {
    problems.push(`${name('historyReplicaAcks')} needs Redis; set ${name('redisMode')} single or cluster`);
  }
  if (spec.historyReplicaAcks > 0 && !spec.history) {
    problems.push(`${name('historyReplicaAcks')} needs ${name('history')} on`);
  }
  return problems;
}

/** The proxies' tunnel timeout for a spec: the key when set, else derived from the heartbeat (proxy/options.ts). */
export function tunnelTimeoutMsOf(
  spec: Pick<z.output<typeof topologySpecFields>, 'proxyTunnelTimeoutMs' | 'heartbeatIntervalMs'>,
): number {
  return spec.proxyTunnelTimeoutMs ?? tunnelTimeoutMsFor(spec.heartbeatIntervalMs);
}

export const topologySpecSchema = topologySpecFields.superRefine((spec, context) => {
  for (const message of combinationProblems(spec)) context.addIssue({ code: 'custom', message });
});

/** What producers write: any subset of keys; everything else takes its one default. */
export type TopologySpecInput = z.input<typeof topologySpecSchema>;
/** Every setting resolved. */
export type TopologySpec = z.output<typeof topologySpecSchema>;

/** Thrown with one line per bad value. */
export class TopologySpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid topology spec:\n  ${problems.join('\n  ')}`);
    this.name = 'TopologySpecError';
  }
}

/** Merges the defaults (once, here) and checks every value and rule; throws a TopologySpecError. */
export function resolveTopologySpec(input: TopologySpecInput = {}): TopologySpec {
  const parsed = topologySpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new TopologySpecError(
    parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    ),
  );
}

/** The proxies a choice starts. */
export function proxyKinds(choice: ProxyChoice): ProxyKind[] {
  if (choice === 'both') return ['haproxy', 'nginx'];
  if (choice === 'none') return [];
  return [choice];
}

/** The service's bus mode for a spec (no Redis: the in-process `memory` bus). */
export function busModeOf(
  spec: Pick<TopologySpec, 'fanout' | 'redisMode'>,
): 'single' | 'cluster' | 'broadcast' | 'memory' {
  if (spec.redisMode === 'none') return 'memory';
  return spec.fanout === 'broadcast' ? 'broadcast' : spec.redisMode;
}

/** CPU and memory caps of one component (both undefined = uncapped). */
export interface ComponentResources {
  cpuCores: number | undefined;
  memoryMiB: number | undefined;
  /** The CFS period the CPU cap is counted in (one for every component: the spec's `cpuPeriodUs`). */
  cpuPeriodUs: number;
}
export type Component = 'replica' | 'redis' | 'proxy' | 'load';

/** Quota in µs per CFS period for a CPU cap (the kernel's minimum is 1 ms). */
export function cpuQuotaUs(cpuCores: number, periodUs: number): number {
  return Math.max(1_000, Math.round(cpuCores * periodUs));
}

export function resourcesOf(spec: TopologySpec, component: Component): ComponentResources {
  return {
    cpuCores: spec[`${component}CpuCores`],
    memoryMiB: spec[`${component}MemoryMiB`],
    cpuPeriodUs: spec.cpuPeriodUs,
  };
}
