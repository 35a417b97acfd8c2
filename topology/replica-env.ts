import { busModeOf, type TopologySpec } from './spec.js';

/** Where one replica runs: what differs between the local lab and Docker. */
export interface ReplicaPlacement<Secret = string> {
  /** Bind address: 127.0.0.1 in the lab, 0.0.0.0 in a container. */
  host: string;
  port: number;
  instanceId: string;
  /** `redis://host:port` of the Redis server (redisMode single). */
  redisUrl?: string;
  /** `host:port` seeds of the Redis Cluster (redisMode cluster). */
  redisClusterNodes?: readonly string[];
  /** Secrets pass through untouched (Pulumi Outputs stay Outputs); unset = the feature is off. */
  redisPassword?: Secret;
  publishApiKey?: Secret;
  authJwtSecret?: Secret;
  /** The retired signing secret during a rollover (needs authJwtSecret). */
  authJwtSecretPrevious?: Secret;
}

/**
 * The service environment of one replica (app/src/config.ts reads it): the one mapping from the
 * spec, used by the lab's local runtime and by the Pulumi program alike.
 */
export function replicaEnv<Secret = string>(
  spec: TopologySpec,
  placement: ReplicaPlacement<Secret>,
): Record<string, string | Secret> {
  const env: Record<string, string | Secret> = {
    HOST: placement.host,
    PORT: String(placement.port),
    INSTANCE_ID: placement.instanceId,
    BUS_MODE: busModeOf(spec),
    ...redisAddress(spec, placement),
    HISTORY: spec.history ? 'on' : 'off',
    HISTORY_SIZE: String(spec.historySize),
    HISTORY_TTL_S: String(spec.historyTtlS),
    HISTORY_REPLICA_ACKS: String(spec.historyReplicaAcks),
    HISTORY_REPLICA_ACK_TIMEOUT_MS: String(spec.historyReplicaAckTimeoutMs),
    PING_INTERVAL_MS: String(spec.pingIntervalMs),
    HEARTBEAT_INTERVAL_MS: String(spec.heartbeatIntervalMs),
    DRAIN_WINDOW_MS: String(spec.drainWindowMs),
    MAX_FRAME_BYTES: String(spec.maxFrameBytes),
    MAX_ROOMS_PER_CONNECTION: String(spec.maxRoomsPerConnection),
    PUBLISH_RATE_PER_S: String(spec.publishRatePerS),
    PUBLISH_BURST: String(spec.publishBurst),
    SEND_BUFFER_MAX_BYTES: String(spec.sendBufferMaxBytes),
    HANDSHAKE_TIMEOUT_MS: String(spec.handshakeTimeoutMs),
    MAX_CONNECTIONS: String(spec.maxConnections),
    AUTH_TOKEN_MAX_LIFETIME_S: String(spec.authTokenMaxLifetimeS),
    AUTH_CLOCK_SKEW_S: String(spec.authClockSkewS),
    LOG_LEVEL: spec.logLevel,
    ...(spec.allowedOrigins === undefined ? {} : { ALLOWED_ORIGINS: spec.allowedOrigins }),
  };
  // Optional secrets become env vars only when set (the service treats unset as "feature off").
  if (placement.redisPassword !== undefined) env.REDIS_PASSWORD = placement.redisPassword;
  if (placement.publishApiKey !== undefined) env.PUBLISH_API_KEY = placement.publishApiKey;
  return { ...env, ...authEnv(spec, placement) };
}

/** Closed unless the spec says `auth: none`: a `jwt` spec without a secret is refused, never run open. */
function authEnv<Secret>(spec: TopologySpec, placement: ReplicaPlacement<Secret>): Record<string, Secret> {
  if (spec.auth === 'none') return {};
  if (placement.authJwtSecret === undefined) {
    throw new Error('replicaEnv: auth jwt needs authJwtSecret (or set auth: none to run open)');
  }
  return {
    AUTH_JWT_SECRET: placement.authJwtSecret,
    ...(placement.authJwtSecretPrevious === undefined
      ? {}
      : { AUTH_JWT_SECRET_PREVIOUS: placement.authJwtSecretPrevious }),
  };
}

function redisAddress(spec: TopologySpec, placement: ReplicaPlacement<unknown>): Record<string, string> {
  if (spec.redisMode === 'none') return {};
  if (spec.redisMode === 'cluster') {
    const nodes = placement.redisClusterNodes ?? [];
    if (nodes.length === 0) throw new Error('replicaEnv: redisMode cluster needs redisClusterNodes');
    return { REDIS_CLUSTER_NODES: nodes.join(',') };
  }
  if (placement.redisUrl === undefined) throw new Error('replicaEnv: redisMode single needs redisUrl');
  return { REDIS_URL: placement.redisUrl };
}
