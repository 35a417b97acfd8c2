import { hostname } from 'node:os';
import { z } from 'zod';
import type { BusMode } from './bus/bus.js';
import { BUS_DEFAULTS } from './bus/options.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './contracts/protocol.js';

/** The service's configuration, every field resolved (defaults merged once, here). */
export interface Config {
  host: string;
  /** 0 = any free port; the bound port is logged (`listening`). */
  port: number;
  instanceId: string;
  busMode: BusMode;
  redisUrl: string;
  /** host:port seeds; required when busMode is `cluster`. */
  redisClusterNodes: string[];
  redisPassword: string | undefined;
  history: boolean;
  historySize: number;
  historyTtlS: number;
  /**
   * Redis replicas that must confirm each stored publish (WAIT) before it is acknowledged;
   * 0 = asynchronous replication (an acked write can be lost with its master).
   */
  historyReplicaAcks: number;
  /** How long that WAIT may take; past it the publish is answered `unavailable`. */
  historyReplicaAckTimeoutMs: number;
  /** 0 = no pings. */
  pingIntervalMs: number;
  /** Application-level `ping` frame to every client this often (browsers can observe it); 0 = none. */
  heartbeatIntervalMs: number;
  maxFrameBytes: number;
  maxRoomsPerConnection: number;
  publishRatePerS: number;
  publishBurst: number;
  sendBufferMaxBytes: number;
  drainWindowMs: number;
  /** A client that has not finished its HTTP upgrade request within this is dropped (408) and counted. */
  handshakeTimeoutMs: number;
  /** Open WebSocket connections this replica accepts; an upgrade past it gets 503 (counted). */
  maxConnections: number;
  publishApiKey: string | undefined;
  authJwtSecret: string | undefined;
  /** The secret being retired during a rollover: tokens signed with it still verify. */
  authJwtSecretPrevious: string | undefined;
  /** Longest lifetime (`exp` − `iat`) a token may claim. */
  authTokenMaxLifetimeS: number;
  /** Clock difference tolerated on a token's `exp`, `nbf` and `iat`. */
  authClockSkewS: number;
  allowedOrigins: string[] | undefined;
  logLevel: LogLevel;
}

/** Thrown by `loadConfig` with one line per bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** An integer setting of the service: its one default and its inclusive range. */
export interface IntegerSetting {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Every integer setting of the service by env name: the one place its default and range live.
 * The topology spec (topology/) imports these rather than copying them.
 */
export const SERVICE_INTEGER_SETTINGS = {
  /** 0 = any free port. */
  PORT: { default: 8080, min: 0, max: 65535 },
  HISTORY_SIZE: { default: 1000, min: 1, max: 10_000_000 },
  HISTORY_TTL_S: { default: 3600, min: 1, max: 31_536_000 },
  HISTORY_REPLICA_ACKS: { default: BUS_DEFAULTS.replicaAcks, min: 0, max: 5 },
  // Below the bus's bound for one Redis operation, so a slow WAIT ends as "not confirmed".
  HISTORY_REPLICA_ACK_TIMEOUT_MS: {
    default: BUS_DEFAULTS.replicaAckTimeoutMs,
    min: 1,
    max: BUS_DEFAULTS.operationTimeoutMs - 1,
  },
  /** 0 = no pings. */
  PING_INTERVAL_MS: { default: 25_000, min: 0, max: 3_600_000 },
  /**
   * 0 = no heartbeat. 2 s: a client of a frozen replica gives up after 3 s (interval + grace), and
   * Nginx, whose upgrade wait is the same idle timeout, moves its reconnect on after 3 s more:
   * back within 10 s. One pre-framed 13-byte frame per socket per interval.
   */
  HEARTBEAT_INTERVAL_MS: { default: DEFAULT_HEARTBEAT_INTERVAL_MS, min: 0, max: 60_000 },
  MAX_FRAME_BYTES: { default: 65_536, min: 64, max: 16_777_216 },
  MAX_ROOMS_PER_CONNECTION: { default: 100, min: 1, max: 100_000 },
  PUBLISH_RATE_PER_S: { default: 50, min: 1, max: 1_000_000 },
  PUBLISH_BURST: { default: 100, min: 1, max: 1_000_000 },
  SEND_BUFFER_MAX_BYTES: { default: 1_048_576, min: 1024, max: 1_073_741_824 },
  DRAIN_WINDOW_MS: { default: 10_000, min: 0, max: 600_000 },
  HANDSHAKE_TIMEOUT_MS: { default: 10_000, min: 100, max: 600_000 },
  // Below the 20 000 fd limit with room for Redis links, logs and the listener: past it a client
  // gets a 503 it can retry elsewhere instead of the process failing accept() with EMFILE.
  MAX_CONNECTIONS: { default: 15_000, min: 1, max: 1_000_000 },
  // A leaked token is good until it expires: a day at most unless raised, 31 days at the very most.
  AUTH_TOKEN_MAX_LIFETIME_S: { default: 86_400, min: 60, max: 2_678_400 },
  // Enough for hosts kept by NTP; more would stretch every token's life by as much.
  AUTH_CLOCK_SKEW_S: { default: 30, min: 0, max: 300 },
} as const satisfies Record<string, IntegerSetting>;
export type ServiceIntegerSetting = keyof typeof SERVICE_INTEGER_SETTINGS;

export const BUS_MODES = ['memory', 'single', 'cluster', 'broadcast'] as const;
export const HISTORY_SWITCH = ['on', 'off'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults of the service's enumerated settings (the integer ones are in SERVICE_INTEGER_SETTINGS). */
export const SERVICE_DEFAULTS = {
  BUS_MODE: 'single',
  HISTORY: 'on',
  LOG_LEVEL: 'info',
} as const satisfies { BUS_MODE: BusMode; HISTORY: 'on' | 'off'; LOG_LEVEL: LogLevel };

/** Minimum lengths of the secret settings (the stack parser checks secrets against these). */
export const SERVICE_SECRET_MIN_LENGTH = {
  REDIS_PASSWORD: 1,
  PUBLISH_API_KEY: 16,
  AUTH_JWT_SECRET: 32,
  AUTH_JWT_SECRET_PREVIOUS: 32,
} as const;

// Each variable gets its own small schema so that a bad value produces exactly one
// message naming the variable, the expectation and the value received.
function integer(name: ServiceIntegerSetting) {
  const { default: fallback, min, max } = SERVICE_INTEGER_SETTINGS[name];
  const message = `${name} must be an integer from ${min} to ${max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${message}, got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    });
}

function oneOf<const T extends readonly string[]>(name: string, values: T, fallback: T[number]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if (!(values as readonly string[]).includes(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be one of ${values.join('|')}, got ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return raw as T[number];
    });
}

function optionalText(name: string, minLength: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      if (raw.length < minLength) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be at least ${minLength} characters, got ${raw.length}`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

const HOST_PORT = /^[^\s:,]+:\d{1,5}$/;

const envSchema = z.object({
  HOST: z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw === '' ? '127.0.0.1' : raw)),
  PORT: integer('PORT'),
  INSTANCE_ID: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return `${hostname()}-${process.pid}`;
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `INSTANCE_ID must be 1-64 of [A-Za-z0-9_.:-], got ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return raw;
    }),
  BUS_MODE: oneOf('BUS_MODE', BUS_MODES, SERVICE_DEFAULTS.BUS_MODE),
  REDIS_URL: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return 'redis://127.0.0.1:6379';
      if (!/^rediss?:\/\/\S+$/.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return raw;
    }),
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return [];
      const nodes = raw.split(',').map((node) => node.trim());
      if (!nodes.every((node) => HOST_PORT.test(node))) {
        ctx.addIssue({
          code: 'custom',
          message: `REDIS_CLUSTER_NODES must be a comma list of host:port, got ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return nodes;
    }),
  REDIS_PASSWORD: optionalText('REDIS_PASSWORD', SERVICE_SECRET_MIN_LENGTH.REDIS_PASSWORD),
  HISTORY: oneOf('HISTORY', HISTORY_SWITCH, SERVICE_DEFAULTS.HISTORY),
  HISTORY_SIZE: integer('HISTORY_SIZE'),
  HISTORY_TTL_S: integer('HISTORY_TTL_S'),
  HISTORY_REPLICA_ACKS: integer('HISTORY_REPLICA_ACKS'),
  HISTORY_REPLICA_ACK_TIMEOUT_MS: integer('HISTORY_REPLICA_ACK_TIMEOUT_MS'),
  PING_INTERVAL_MS: integer('PING_INTERVAL_MS'),
  HEARTBEAT_INTERVAL_MS: integer('HEARTBEAT_INTERVAL_MS'),
  MAX_FRAME_BYTES: integer('MAX_FRAME_BYTES'),
  MAX_ROOMS_PER_CONNECTION: integer('MAX_ROOMS_PER_CONNECTION'),
  PUBLISH_RATE_PER_S: integer('PUBLISH_RATE_PER_S'),
  PUBLISH_BURST: integer('PUBLISH_BURST'),
  SEND_BUFFER_MAX_BYTES: integer('SEND_BUFFER_MAX_BYTES'),
  DRAIN_WINDOW_MS: integer('DRAIN_WINDOW_MS'),
  HANDSHAKE_TIMEOUT_MS: integer('HANDSHAKE_TIMEOUT_MS'),
  MAX_CONNECTIONS: integer('MAX_CONNECTIONS'),
  PUBLISH_API_KEY: optionalText('PUBLISH_API_KEY', SERVICE_SECRET_MIN_LENGTH.PUBLISH_API_KEY),
  AUTH_JWT_SECRET: optionalText('AUTH_JWT_SECRET', SERVICE_SECRET_MIN_LENGTH.AUTH_JWT_SECRET),
  AUTH_JWT_SECRET_PREVIOUS: optionalText(
    'AUTH_JWT_SECRET_PREVIOUS',
    SERVICE_SECRET_MIN_LENGTH.AUTH_JWT_SECRET_PREVIOUS,
  ),
  AUTH_TOKEN_MAX_LIFETIME_S: integer('AUTH_TOKEN_MAX_LIFETIME_S'),
  AUTH_CLOCK_SKEW_S: integer('AUTH_CLOCK_SKEW_S'),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const origins = raw.split(',').map((origin) => origin.trim());
      if (!origins.every((origin) => /^https?:\/\/[^\s/,]+$/.test(origin))) {
        ctx.addIssue({
          code: 'custom',
          message: `ALLOWED_ORIGINS must be a comma list of scheme://host[:port], got ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return origins;
    }),
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, SERVICE_DEFAULTS.LOG_LEVEL),
});

/**
 * Reads and validates the service's environment variables (table in app/README.md).
 * Throws a ConfigError listing one exact message per bad value.
 */
export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  const v = parsed.data;
  const problems: string[] = [];
  if (v.BUS_MODE === 'cluster' && v.REDIS_CLUSTER_NODES.length === 0) {
    problems.push('REDIS_CLUSTER_NODES is required when BUS_MODE=cluster');
  }
  // Replica acks guard stored history in Redis: meaningless without either.
  if (v.HISTORY_REPLICA_ACKS > 0 && v.HISTORY === 'off') {
    problems.push('HISTORY_REPLICA_ACKS needs HISTORY=on');
  }
  if (v.HISTORY_REPLICA_ACKS > 0 && v.BUS_MODE === 'memory') {
    problems.push('HISTORY_REPLICA_ACKS needs a Redis BUS_MODE (single|cluster|broadcast)');
  }
  if (v.AUTH_JWT_SECRET_PREVIOUS !== undefined && v.AUTH_JWT_SECRET === undefined) {
    problems.push('AUTH_JWT_SECRET_PREVIOUS needs AUTH_JWT_SECRET (the secret that replaces it)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: v.HOST,
    port: v.PORT,
    instanceId: v.INSTANCE_ID,
    busMode: v.BUS_MODE,
    redisUrl: v.REDIS_URL,
    redisClusterNodes: v.REDIS_CLUSTER_NODES,
    redisPassword: v.REDIS_PASSWORD,
    history: v.HISTORY === 'on',
    historySize: v.HISTORY_SIZE,
    historyTtlS: v.HISTORY_TTL_S,
    historyReplicaAcks: v.HISTORY_REPLICA_ACKS,
    historyReplicaAckTimeoutMs: v.HISTORY_REPLICA_ACK_TIMEOUT_MS,
    pingIntervalMs: v.PING_INTERVAL_MS,
    heartbeatIntervalMs: v.HEARTBEAT_INTERVAL_MS,
    maxFrameBytes: v.MAX_FRAME_BYTES,
    maxRoomsPerConnection: v.MAX_ROOMS_PER_CONNECTION,
    publishRatePerS: v.PUBLISH_RATE_PER_S,
    publishBurst: v.PUBLISH_BURST,
    sendBufferMaxBytes: v.SEND_BUFFER_MAX_BYTES,
    drainWindowMs: v.DRAIN_WINDOW_MS,
    handshakeTimeoutMs: v.HANDSHAKE_TIMEOUT_MS,
    maxConnections: v.MAX_CONNECTIONS,
    publishApiKey: v.PUBLISH_API_KEY,
    authJwtSecret: v.AUTH_JWT_SECRET,
    authJwtSecretPrevious: v.AUTH_JWT_SECRET_PREVIOUS,
    authTokenMaxLifetimeS: v.AUTH_TOKEN_MAX_LIFETIME_S,
    authClockSkewS: v.AUTH_CLOCK_SKEW_S,
    allowedOrigins: v.ALLOWED_ORIGINS,
    logLevel: v.LOG_LEVEL,
  };
}
