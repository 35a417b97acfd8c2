import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROXY_DEFAULTS, STICKINESS_MODES, type Stickiness } from '../proxy/options.js';

/**
 * A Pulumi stack's wslab configuration, every field resolved (defaults merged once, here).
 *
 * Parsed from the `config:` map of `Pulumi.<stack>.yaml` (keys `wslab:<name>`), both by the
 * Pulumi program (infra/index.ts) and by the local lab (`wslab up --stack <name>`), so a stack
 * file means the same topology in Docker and as local processes. Secrets (`redisPassword`,
 * `publishApiKey`, `authJwtSecret`) are not part of it: only Pulumi can decrypt them.
 */
export interface StackConfig {
  proxy: ProxyKind;
  stickiness: Stickiness;
  /** WebSocket service replicas behind the proxy. */
  replicas: number;
  redisMode: RedisMode;
  history: boolean;
  /** Entries kept per room stream (service HISTORY_SIZE). */
  historySize: number;
  /** Idle room streams expire after this (service HISTORY_TTL_S). */
  historyTtlS: number;
  /** Service ping interval; must stay below the proxy's tunnel timeout. */
  pingIntervalMs: number;
  /** How long a replica spends closing its clients on SIGTERM (service DRAIN_WINDOW_MS). */
  drainWindowMs: number;
  /** Proxy timeouts, passed to the shared renderer. */
  proxyConnectTimeoutMs: number;
  proxyClientTimeoutMs: number;
  proxyServerTimeoutMs: number;
  /** Idle timeout of an upgraded (WebSocket) connection at the proxy. */
  proxyTunnelTimeoutMs: number;
  /** Host port where the proxy's WebSocket/HTTP listener is published. */
  httpPort: number;
  /** Host port where the proxy's stats/metrics listener is published. */
  statsPort: number;
  /** Host address the published ports bind to (127.0.0.1 keeps the lab off the network). */
  publishAddress: string;
  /** Host port for the (first) Redis node; undefined = Redis is not published (the default). */
  redisHostPort: number | undefined;
  logLevel: LogLevel;
  /** Image references; official images by default, overridable for a private mirror. */
  images: StackImages;
}

export interface StackImages {
  /** Base image of app/Dockerfile (build arg NODE_IMAGE). */
  node: string;
  redis: string;
  haproxy: string;
  nginx: string;
  /** Name (repository:tag) given to the locally built service image. */
  app: string;
}

export const PROXY_KINDS = ['haproxy', 'nginx'] as const;
export type ProxyKind = (typeof PROXY_KINDS)[number];
export { STICKINESS_MODES, type Stickiness };
export const REDIS_MODES = ['single', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Pulumi project name, hence the config namespace (`wslab:<key>`). */
export const CONFIG_NAMESPACE = 'wslab';

/** Keys that hold secrets: read by the Pulumi program with getSecret, skipped by this parser. */
export const SECRET_KEYS = ['redisPassword', 'publishApiKey', 'authJwtSecret'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Shortest value the service accepts for each secret (app/src/config.ts): checked before
 * deploying, or a replica would crash-loop until the health wait times out.
 */
export const SECRET_MIN_LENGTH: Record<SecretKey, number> = {
  redisPassword: 1,
  publishApiKey: 16,
  authJwtSecret: 32,
};

/** Returns the secret when long enough; throws a StackConfigError that never includes the value. */
export function checkSecret(key: SecretKey, value: string, source?: string): string {
  const min = SECRET_MIN_LENGTH[key];
  if (value.length >= min) return value;
  const expectation =
    min === 1 ? 'must not be empty' : `must be at least ${min} characters, got ${value.length}`;
  throw new StackConfigError([`${CONFIG_NAMESPACE}:${key} ${expectation}`], source);
}

/**
 * Defaults, in one place. Proxy timeouts and stickiness are the shared proxy defaults
 * (proxy/options.ts); images are official Docker Hub images pinned to a minor version.
 */
export const STACK_DEFAULTS = {
  stickiness: PROXY_DEFAULTS.stickiness,
  replicas: 3,
  redisMode: 'cluster',
  history: true,
  historySize: 1000,
  historyTtlS: 3600,
  pingIntervalMs: 25_000,
  drainWindowMs: 10_000,
  proxyConnectTimeoutMs: PROXY_DEFAULTS.timeouts.connectMs,
  proxyClientTimeoutMs: PROXY_DEFAULTS.timeouts.clientMs,
  proxyServerTimeoutMs: PROXY_DEFAULTS.timeouts.serverMs,
  proxyTunnelTimeoutMs: PROXY_DEFAULTS.timeouts.tunnelMs,
  httpPort: 8080,
  statsPort: PROXY_DEFAULTS.statsPort,
  publishAddress: '127.0.0.1',
  logLevel: 'info',
  images: {
    node: 'node:20.20.2-bookworm-slim',
    redis: 'redis:7.4-bookworm',
    haproxy: 'haproxy:2.8-bookworm',
    nginx: 'nginx:1.26-bookworm',
    app: 'wslab-app:dev',
  },
} as const satisfies Omit<StackConfig, 'proxy' | 'redisHostPort'>;

/**
 * What each proxy's renderer can do for stickiness. Both do all four today: Nginx OSS has no
 * `sticky cookie` (Nginx Plus only), so nginx/render.ts issues the cookie itself and hashes on
 * it. Kept per proxy so a mode only one renderer implements is rejected here, by name.
 */
export const PROXY_STICKINESS: Record<ProxyKind, readonly Stickiness[]> = {
  haproxy: STICKINESS_MODES,
  nginx: STICKINESS_MODES,
};

/** Thrown with one line per bad value (and the stack file when it came from one). */
export class StackConfigError extends Error {
  constructor(
    readonly problems: string[],
    source?: string,
  ) {
    super(`invalid stack config${source === undefined ? '' : ` in ${source}`}:\n  ${problems.join('\n  ')}`);
    this.name = 'StackConfigError';
  }
}

/** A raw value as it can appear in a stack file (`pulumi config set` writes strings). */
type RawValue = unknown;

const INTEGER = /^-?\d+$/;

/** Parses one raw map; each reader adds at most one problem for its key. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly values: ReadonlyMap<string, RawValue>) {}

  private raw(key: string): string | undefined {
    const value = this.values.get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return JSON.stringify(value);
  }

  private fail(key: string, expectation: string, raw: string): undefined {
    this.problems.push(`${CONFIG_NAMESPACE}:${key} must be ${expectation}, got ${JSON.stringify(raw)}`);
    return undefined;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    return this.fail(key, `one of ${values.join('|')}`, raw);
  }

  supportedBy<T extends string>(key: string, values: readonly T[], by: string): T | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(
      `${CONFIG_NAMESPACE}:${key} ${JSON.stringify(raw)} is not supported by ${by}; use one of ${values.join('|')}`,
    );
    return undefined;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    const value = INTEGER.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
    return this.fail(key, `an integer from ${min} to ${max}`, raw);
  }

  onOff(key: string): boolean | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    if (raw === 'on' || raw === 'true') return true;
    if (raw === 'off' || raw === 'false') return false;
    return this.fail(key, 'on or off', raw);
  }

  text(key: string, pattern: RegExp, expectation: string): string | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    if (pattern.test(raw)) return raw;
    return this.fail(key, expectation, raw);
  }
}

/** Every non-secret key this parser reads (without the `wslab:` prefix). */
export const STACK_CONFIG_KEYS = [
  'proxy',
  'stickiness',
  'replicas',
  'redisMode',
  'history',
  'historySize',
  'historyTtlS',
  'pingIntervalMs',
  'drainWindowMs',
  'proxyConnectTimeoutMs',
  'proxyClientTimeoutMs',
  'proxyServerTimeoutMs',
  'proxyTunnelTimeoutMs',
  'httpPort',
  'statsPort',
  'publishAddress',
  'redisHostPort',
  'logLevel',
  'nodeImage',
  'redisImage',
  'haproxyImage',
  'nginxImage',
  'appImage',
] as const;
export type StackConfigKey = (typeof STACK_CONFIG_KEYS)[number];

// An image reference: [registry[:port]/]repository[:tag][@digest], no whitespace.
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HOUR_MS = 3_600_000;

export interface ResolveOptions {
  /** Where the values came from, for the error message (a file path, `stack <name>`). */
  source?: string;
  /** Every config key that is set (`wslab:…` and others), to reject misspelt `wslab:` keys. */
  presentKeys?: readonly string[];
}

/**
 * Resolves a stack configuration from un-prefixed keys (`proxy`, `replicas`, …) to raw values
 * (strings, as Pulumi returns them, or YAML numbers/booleans). Throws a StackConfigError with
 * one exact line per bad value.
 */
export function resolveStackConfig(
  values: Partial<Record<StackConfigKey, RawValue>>,
  options: ResolveOptions = {},
): StackConfig {
  const { source, presentKeys = [] } = options;
  const read = new Reader(new Map(Object.entries(values)));
  read.problems.push(...unknownKeyProblems(presentKeys));
  const proxy = read.oneOf('proxy', PROXY_KINDS);
  if (values.proxy === undefined || values.proxy === '') {
    read.problems.push(`${CONFIG_NAMESPACE}:proxy is required: one of ${PROXY_KINDS.join('|')}`);
  }
  // Checked against what the chosen proxy can do, so one message names both the value and the proxy.
  const stickiness =
    (proxy === undefined
      ? read.oneOf('stickiness', STICKINESS_MODES)
      : read.supportedBy('stickiness', PROXY_STICKINESS[proxy], proxy)) ?? STACK_DEFAULTS.stickiness;
  const replicas = read.integer('replicas', 1, 32) ?? STACK_DEFAULTS.replicas;
  const redisMode = read.oneOf('redisMode', REDIS_MODES) ?? STACK_DEFAULTS.redisMode;
  const history = read.onOff('history') ?? STACK_DEFAULTS.history;
  const historySize = read.integer('historySize', 1, 1_000_000) ?? STACK_DEFAULTS.historySize;
  const historyTtlS = read.integer('historyTtlS', 1, 30 * 24 * 3600) ?? STACK_DEFAULTS.historyTtlS;
  const pingIntervalMs = read.integer('pingIntervalMs', 0, HOUR_MS) ?? STACK_DEFAULTS.pingIntervalMs;
  const drainWindowMs = read.integer('drainWindowMs', 0, 10 * 60_000) ?? STACK_DEFAULTS.drainWindowMs;
  const proxyConnectTimeoutMs =
    read.integer('proxyConnectTimeoutMs', 100, 60_000) ?? STACK_DEFAULTS.proxyConnectTimeoutMs;
  const proxyClientTimeoutMs =
    read.integer('proxyClientTimeoutMs', 1_000, 24 * HOUR_MS) ?? STACK_DEFAULTS.proxyClientTimeoutMs;
  const proxyServerTimeoutMs =
    read.integer('proxyServerTimeoutMs', 1_000, 24 * HOUR_MS) ?? STACK_DEFAULTS.proxyServerTimeoutMs;
  const proxyTunnelTimeoutMs =
    read.integer('proxyTunnelTimeoutMs', 1_000, 24 * HOUR_MS) ?? STACK_DEFAULTS.proxyTunnelTimeoutMs;
  const httpPort = read.integer('httpPort', 1, 65535) ?? STACK_DEFAULTS.httpPort;
  const statsPort = read.integer('statsPort', 1, 65535) ?? STACK_DEFAULTS.statsPort;
  const publishAddress =
    read.text('publishAddress', IPV4, 'an IPv4 address such as 127.0.0.1 or 0.0.0.0') ??
    STACK_DEFAULTS.publishAddress;
  const redisHostPort = read.integer('redisHostPort', 1, 65535);
  const logLevel = read.oneOf('logLevel', LOG_LEVELS) ?? STACK_DEFAULTS.logLevel;
  const image = (key: StackConfigKey) => read.text(key, IMAGE_REF, 'an image reference such as redis:7.4');
  const images: StackImages = {
    node: image('nodeImage') ?? STACK_DEFAULTS.images.node,
    redis: image('redisImage') ?? STACK_DEFAULTS.images.redis,
    haproxy: image('haproxyImage') ?? STACK_DEFAULTS.images.haproxy,
    nginx: image('nginxImage') ?? STACK_DEFAULTS.images.nginx,
    app: image('appImage') ?? STACK_DEFAULTS.images.app,
  };

  // Combinations, checked only when the values themselves were valid (one message per cause).
  if (httpPort === statsPort) {
    read.problems.push(
      `${CONFIG_NAMESPACE}:statsPort must differ from ${CONFIG_NAMESPACE}:httpPort (${httpPort})`,
    );
  }
  if (pingIntervalMs >= proxyTunnelTimeoutMs) {
    read.problems.push(
      `${CONFIG_NAMESPACE}:pingIntervalMs (${pingIntervalMs}) must be below ${CONFIG_NAMESPACE}:proxyTunnelTimeoutMs (${proxyTunnelTimeoutMs}), or the proxy drops idle sockets between pings`,
    );
  }

  if (read.problems.length > 0 || proxy === undefined) throw new StackConfigError(read.problems, source);
  return {
    proxy,
    stickiness,
    replicas,
    redisMode,
    history,
    historySize,
    historyTtlS,
    pingIntervalMs,
    drainWindowMs,
    proxyConnectTimeoutMs,
    proxyClientTimeoutMs,
    proxyServerTimeoutMs,
    proxyTunnelTimeoutMs,
    httpPort,
    statsPort,
    publishAddress,
    redisHostPort,
    logLevel,
    images,
  };
}

/**
 * Parses the `config:` map of a stack file (keys `wslab:<name>`). Keys of other namespaces
 * (`docker:host`, …) are ignored; an unknown `wslab:` key is an error (a typo would otherwise
 * silently fall back to a default); secrets (`{ secure: … }`) are skipped.
 */
export function parseConfigMap(config: Record<string, unknown>, source?: string): StackConfig {
  const values: Partial<Record<StackConfigKey, RawValue>> = {};
  const known = new Set<string>(STACK_CONFIG_KEYS);
  for (const [fullKey, value] of Object.entries(config)) {
    const key = ownKey(fullKey);
    if (key !== undefined && known.has(key)) values[key as StackConfigKey] = value;
  }
  return resolveStackConfig(values, { source, presentKeys: Object.keys(config) });
}

/** The key without the `wslab:` prefix, or undefined for another namespace (`docker:host`). */
function ownKey(fullKey: string): string | undefined {
  const [namespace, key] = fullKey.includes(':') ? fullKey.split(':', 2) : [CONFIG_NAMESPACE, fullKey];
  return namespace === CONFIG_NAMESPACE ? key : undefined;
}

/** One problem per `wslab:` key that is neither a known key nor a secret (a typo would silently fall back). */
export function unknownKeyProblems(fullKeys: readonly string[]): string[] {
  const allowed = new Set<string>([...STACK_CONFIG_KEYS, ...SECRET_KEYS]);
  return fullKeys
    .map(ownKey)
    .filter((key): key is string => key !== undefined && !allowed.has(key))
    .map((key) => `${CONFIG_NAMESPACE}:${key} is not a known key`);
}

/**
 * Reads `Pulumi.<stack>.yaml` (or any stack file path) and parses its `config:` map, without
 * the Pulumi runtime: this is what `wslab up --stack <name>` calls.
 */
export function readStackFile(path: string): StackConfig {
  if (!existsSync(path)) {
    const stacks = listStacks(dirname(path));
    throw new StackConfigError(
      [`no such stack file${stacks.length > 0 ? `; stacks here: ${stacks.join(', ')}` : ''}`],
      path,
    );
  }
  const document: unknown = parseYaml(readFileSync(path, 'utf8'));
  const config =
    document !== null && typeof document === 'object' && 'config' in document ? document.config : undefined;
  if (config === undefined || config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new StackConfigError(['the file has no `config:` map'], path);
  }
  return parseConfigMap(config as Record<string, unknown>, path);
}

/** Path of a named stack's file in a project directory (`Pulumi.<stack>.yaml`). */
export function stackFilePath(projectDir: string, stack: string): string {
  return `${projectDir.replace(/\/$/, '')}/Pulumi.${stack}.yaml`;
}

/** Names of the stacks that have a `Pulumi.<stack>.yaml` in a project directory, sorted. */
export function listStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file))?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}
