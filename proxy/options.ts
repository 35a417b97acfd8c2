import { isAbsolute, join } from 'node:path';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, heartbeatTimeoutMs } from '../app/src/contracts/protocol.js';

/**
 * One options type for both proxies (HAProxy and Nginx). The lab and the
 * Pulumi program build a `ProxyOptionsInput`, `resolveProxyOptions` merges the
 * defaults once and validates, and each renderer turns the result into a config
 * file. Every default is explained in haproxy/README.md and nginx/README.md.
 */

/** How a client is pinned to a replica. */
export const STICKINESS_MODES = ['none', 'cookie', 'source', 'room'] as const;
export type Stickiness = (typeof STICKINESS_MODES)[number];

export interface ProxyBackend {
  /** Stable replica id: HAProxy server name and cookie value. [A-Za-z0-9_.-]{1,32}. */
  id: string;
  /** Address the proxy dials: 127.0.0.1 in the lab, a container hostname under Docker. */
  host: string;
  port: number;
}

export interface ProxyListen {
  /** Bind address: 127.0.0.1 in the lab, 0.0.0.0 in a container. */
  host: string;
  port: number;
}

export interface ProxyTimeouts {
  /** TCP connect to a replica. Short: a dead replica must fail over fast. */
  connectMs: number;
  /** Client inactivity before the upgrade (plain HTTP phase). */
  clientMs: number;
  /** Server inactivity before the upgrade (plain HTTP phase). */
  serverMs: number;
  /**
   * Inactivity of an upgraded (WebSocket) connection, both directions; for Nginx also the wait
   * for the upgrade response. Default: `tunnelTimeoutMsFor(heartbeatIntervalMs)`.
   */
  tunnelMs: number;
  /** Half-closed client side: how long to wait for the client's FIN after the server closed. */
  clientFinMs: number;
  /** Time to receive a complete request head (slowloris guard). */
  httpRequestMs: number;
  /** Idle keep-alive between HTTP requests on one client connection. */
  httpKeepAliveMs: number;
  /** How long old workers keep open connections after a reload (HAProxy hard-stop-after, Nginx worker_shutdown_timeout). */
  hardStopAfterMs: number;
}

export interface ProxyHealth {
  /** Readiness path probed by HAProxy's active checks (replicas answer 503 while draining or without Redis). */
  path: string;
  /** HAProxy `inter`: check period while the server is up. */
  intervalMs: number;
  /** HAProxy `fastinter`: check period while a state change is pending. */
  fastIntervalMs: number;
  /** HAProxy `downinter`: check period while the server is down. */
  downIntervalMs: number;
  /** HAProxy `timeout check`: a check not answered within this fails (a hung replica still accepts TCP). */
  timeoutMs: number;
  /** Consecutive failed checks before a server is marked down. */
  fall: number;
  /** Consecutive good checks before a server is marked up. */
  rise: number;
  /** HAProxy `slowstart`: ramp a recovered server's weight over this long. */
  slowStartMs: number;
  /** Nginx passive check: failed attempts within `failTimeoutMs` before the server is skipped. */
  maxFails: number;
  /** Nginx passive check: window for `maxFails` and how long the server is then skipped. */
  failTimeoutMs: number;
}

export interface ProxyLimits {
  /** Per-process file descriptor limit of the proxy (`ulimit -n`). */
  fdLimit: number;
  /** Descriptors kept for listeners, logs, checks, the runtime socket. */
  fdReserve: number;
  /** HAProxy threads / Nginx worker processes. */
  workers: number;
  /**
   * Open connections one client address may hold (HAProxy stick table `conn_cur`, Nginx
   * `limit_conn`); past it a new request gets 429. Bounds what one host takes of `maxconn`.
   */
  connectionsPerAddress: number;
  /**
   * New connections per second one client address may open, counted as requests (one upgrade
   * per WebSocket: HAProxy `http_req_rate(1s)`, Nginx `limit_req` with a one-second burst);
   * past it a request gets 429.
   */
  connectRatePerAddressPerS: number;
}

export interface ProxyTls {
  enabled: boolean;
  /** PEM certificate (Nginx `ssl_certificate`). */
  certPath: string;
  /** PEM private key (Nginx `ssl_certificate_key`). */
  keyPath: string;
  /** Certificate and key concatenated in one PEM (HAProxy `crt`). */
  bundlePath: string;
}

export interface ProxyPaths {
  /** Directory the proxy owns: pid file, sockets, Nginx temp dirs and logs default to live here. */
  runDir: string;
  pidFile: string;
  /** Nginx error_log. HAProxy logs to stdout (the lab captures it; Docker collects it). */
  errorLogPath: string;
  /** Nginx access_log; null turns access logging off. */
  accessLogPath: string | null;
  /** HAProxy runtime API socket (stats socket, level admin, exposes listeners for seamless reloads). */
  adminSocketPath: string;
  /** HAProxy master CLI socket (`-S`), used to reload and list workers. */
  masterSocketPath: string;
  /**
   * Nginx: one line per request of the public listener refused with 404 for a path it does not
   * serve (Nginx OSS has no counter per location; the lab counts the lines). HAProxy counts them
   * in its `not_public` backend instead.
   */
  notPublicLogPath: string;
}

/**
 * What the public listener serves: the WebSocket path and one health path. Every other path gets
 * 404 there, counted (HAProxy: the `not_public` backend; Nginx: `paths.notPublicLogPath`).
 */
export const PUBLIC_PATHS = { websocket: '/ws', health: '/healthz' } as const;
/**
 * Path prefixes the internal listener (`stats`: its own port) forwards to the replicas: the HTTP
 * publish API and the operators' admin calls. Never reachable through the public listener.
 */
export const INTERNAL_PREFIXES = ['/api/', '/admin/'] as const;
/** HAProxy's stats page on the internal listener (not `/`, which would catch every path). */
export const HAPROXY_STATS_PATH = '/stats';

export interface ProxyOptions {
  listen: ProxyListen;
  /**
   * The internal listener, for Prometheus and operators: `/api/*` and `/admin/*` to the replicas;
   * HAProxy's Prometheus exporter on `/metrics` and its stats page on `/stats`; Nginx's
   * `stub_status` on `/stub_status`; 404 for anything else. Bind it where only operators reach.
   */
  stats: ProxyListen;
  backends: ProxyBackend[];
  stickiness: Stickiness;
  /** Cookie carrying the sticky key (cookie mode). */
  cookieName: string;
  /** Query parameter naming the room (room mode): clients connect to /ws?room=NAME. */
  roomParam: string;
  timeouts: ProxyTimeouts;
  health: ProxyHealth;
  limits: ProxyLimits;
  tls: ProxyTls;
  paths: ProxyPaths;
  /**
   * The replicas' application heartbeat interval (service HEARTBEAT_INTERVAL_MS; 0 = none): the
   * tunnel timeout is derived from it unless `timeouts.tunnelMs` is given.
   */
  heartbeatIntervalMs: number;
  /**
   * DNS server (`host:port`) the proxy re-resolves backend hostnames with while it runs, or null
   * to resolve once at start (the lab: backends are 127.0.0.1). Docker: its embedded DNS
   * (127.0.0.11:53), so a replaced replica's new address is picked up without a proxy restart.
   * Rendered by HAProxy only; Nginx OSS 1.22 has no upstream re-resolution (infra replaces it).
   */
  dnsResolver: string | null;
  /**
   * 0: one `server` line per backend. N > 0 (Docker Swarm): each backend's host is a DNS name
   * listing every task (`tasks.<service>`), rendered by HAProxy as a `server-template` of N slots
   * filled from the resolver's answers, so a scaled service is routed to without a reload. Needs
   * `dnsResolver`. Nginx renders the name as one upstream server, resolved to every address at start.
   */
  serverTemplateSlots: number;
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/** Most DNS-discovered servers one `server-template` line holds (the spec's replicas go to 32). */
export const MAX_SERVER_TEMPLATE_SLOTS = 64;

/** What callers pass: backends, listen port and runDir are required; everything else has a default. */
export type ProxyOptionsInput = DeepPartial<Omit<ProxyOptions, 'backends' | 'listen' | 'paths'>> & {
  backends: ProxyBackend[];
  listen: Partial<ProxyListen> & { port: number };
  paths: Partial<ProxyPaths> & { runDir: string };
};

/** Idle limit of an upgraded connection when the replicas send no heartbeat (their pings every 25 s keep it). */
export const TUNNEL_TIMEOUT_WITHOUT_HEARTBEAT_MS = 60_000;

/**
 * The one place the proxies' idle timeout of an upgraded connection comes from: the clients'
 * heartbeat timeout (contracts: interval + grace). Both renderers read the result — HAProxy
 * `timeout tunnel`, Nginx `proxy_read_timeout`/`proxy_send_timeout` — so a tunnel to a frozen
 * replica is cut when its clients give it up, and (Nginx, where the same timeout bounds the wait
 * for the upgrade response) a reconnect sent to it fails over to the next replica that much
 * later, counted as a failure (`max_fails`). Without a heartbeat: 60 s, above the 25 s pings.
 */
export function tunnelTimeoutMsFor(heartbeatIntervalMs: number): number {
  return heartbeatIntervalMs > 0
    ? heartbeatTimeoutMs(heartbeatIntervalMs)
    : TUNNEL_TIMEOUT_WITHOUT_HEARTBEAT_MS;
}

const CLIENT_FIN_MS = 5_000;

/** Defaults for replicas with the service's heartbeat (2 s) and pings (25 s) on a machine with fd limit 20000. */
export const PROXY_DEFAULTS = {
  listenHost: '127.0.0.1',
  statsPort: 8404,
  stickiness: 'cookie' as Stickiness,
  cookieName: 'WSLAB_SRV',
  roomParam: 'room',
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  timeouts: {
    connectMs: 2_000,
    clientMs: 30_000,
    serverMs: 30_000,
    tunnelMs: tunnelTimeoutMsFor(DEFAULT_HEARTBEAT_INTERVAL_MS),
    // 5 s, but never above the tunnel (the renderers require client-fin <= tunnel).
    clientFinMs: Math.min(CLIENT_FIN_MS, tunnelTimeoutMsFor(DEFAULT_HEARTBEAT_INTERVAL_MS)),
    httpRequestMs: 5_000,
    httpKeepAliveMs: 5_000,
    hardStopAfterMs: 30_000,
  } satisfies ProxyTimeouts,
  health: {
    path: '/readyz',
    intervalMs: 500,
    fastIntervalMs: 250,
    downIntervalMs: 1_000,
    // 1 s and 3 falls: a replica whose event loop is busy under load must not be
    // marked down (on-marked-down kills all its sessions); measured in loadtests' fan-out bench.
    timeoutMs: 1_000,
    fall: 3,
    rise: 2,
    slowStartMs: 5_000,
    maxFails: 1,
    failTimeoutMs: 5_000,
  } satisfies ProxyHealth,
  limits: {
    fdLimit: 20_000,
    fdReserve: 200,
    workers: 2,
    // Per client address: generous enough for an office behind one NAT (1000 users, all
    // reconnecting within ~2 s after a restart), tight enough that one host cannot take more
    // than a tenth of maxconn or open connections faster than the replicas accept them.
    connectionsPerAddress: 1_000,
    connectRatePerAddressPerS: 500,
  } satisfies ProxyLimits,
} as const;

/**
 * Ranges of the proxy settings a deployment chooses (the topology spec's proxy keys import them).
 * Narrower than what `validateProxyOptions` accepts: they are what a sane deployment uses, while
 * tests of the renderers may go below them.
 */
export const PROXY_RANGES = {
  connectMs: { min: 100, max: 60_000 },
  clientMs: { min: 1_000, max: 86_400_000 },
  serverMs: { min: 1_000, max: 86_400_000 },
  tunnelMs: { min: 1_000, max: 86_400_000 },
  workers: { min: 1, max: 64 },
  // Nginx refuses `limit_conn` of 65536 or more ("connection limit must be less 65536").
  connectionsPerAddress: { min: 1, max: 65_535 },
  connectRatePerAddressPerS: { min: 1, max: 1_000_000 },
} as const;

/** Error code per bad option (tests assert codes; the message is exact and says how to fix it). */
export type ProxyOptionsErrorCode =
  | 'no_backends'
  | 'bad_server_template'
  | 'bad_backend_id'
  | 'duplicate_backend_id'
  | 'bad_backend_host'
  | 'bad_host'
  | 'bad_port'
  | 'port_clash'
  | 'bad_stickiness'
  | 'bad_cookie_name'
  | 'bad_room_param'
  | 'bad_timeout'
  | 'tunnel_below_client_fin'
  | 'bad_health'
  | 'bad_limits'
  | 'tls_paths_missing'
  | 'relative_path'
  | 'bad_dns_resolver';

export class ProxyOptionsError extends Error {
  readonly code: ProxyOptionsErrorCode;
  constructor(code: ProxyOptionsErrorCode, message: string) {
    super(message);
    this.name = 'ProxyOptionsError';
    this.code = code;
  }
}

/** Merges defaults into `input` (one place) and validates the result. */
export function resolveProxyOptions(input: ProxyOptionsInput): ProxyOptions {
  const runDir = input.paths.runDir;
  const heartbeatIntervalMs = input.heartbeatIntervalMs ?? PROXY_DEFAULTS.heartbeatIntervalMs;
  const options: ProxyOptions = {
    listen: { host: input.listen.host ?? PROXY_DEFAULTS.listenHost, port: input.listen.port },
    stats: {
      host: input.stats?.host ?? input.listen.host ?? PROXY_DEFAULTS.listenHost,
      port: input.stats?.port ?? PROXY_DEFAULTS.statsPort,
    },
    backends: input.backends.map((backend) => ({ ...backend })),
    stickiness: input.stickiness ?? PROXY_DEFAULTS.stickiness,
    cookieName: input.cookieName ?? PROXY_DEFAULTS.cookieName,
    roomParam: input.roomParam ?? PROXY_DEFAULTS.roomParam,
    dnsResolver: input.dnsResolver ?? null,
    serverTemplateSlots: input.serverTemplateSlots ?? 0,
    heartbeatIntervalMs,
    timeouts: resolveTimeouts(input.timeouts, heartbeatIntervalMs),
    health: { ...PROXY_DEFAULTS.health, ...definedOnly(input.health) },
    limits: { ...PROXY_DEFAULTS.limits, ...definedOnly(input.limits) },
    tls: {
      enabled: input.tls?.enabled ?? false,
      certPath: input.tls?.certPath ?? '',
      keyPath: input.tls?.keyPath ?? '',
      bundlePath: input.tls?.bundlePath ?? '',
    },
    paths: {
      runDir,
      pidFile: input.paths.pidFile ?? join(runDir, 'proxy.pid'),
      errorLogPath: input.paths.errorLogPath ?? join(runDir, 'error.log'),
      accessLogPath: input.paths.accessLogPath === undefined ? null : input.paths.accessLogPath,
      adminSocketPath: input.paths.adminSocketPath ?? join(runDir, 'admin.sock'),
      masterSocketPath: input.paths.masterSocketPath ?? join(runDir, 'master.sock'),
      notPublicLogPath: input.paths.notPublicLogPath ?? join(runDir, 'not-public.log'),
    },
  };
  validateProxyOptions(options);
  return options;
}

/** Timeouts with the tunnel derived from the heartbeat unless given; client-fin never above the tunnel. */
function resolveTimeouts(
  input: Partial<ProxyTimeouts> | undefined,
  heartbeatIntervalMs: number,
): ProxyTimeouts {
  const given = definedOnly(input);
  const tunnelMs = given.tunnelMs ?? tunnelTimeoutMsFor(heartbeatIntervalMs);
  return {
    ...PROXY_DEFAULTS.timeouts,
    clientFinMs: Math.min(CLIENT_FIN_MS, tunnelMs),
    ...given,
    tunnelMs,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const BACKEND_ID = /^[A-Za-z0-9_.-]{1,32}$/;
// Hostnames and IPv4 literals only: the value lands unquoted in both configs.
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const DNS_RESOLVER = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/;
const COOKIE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const QUERY_PARAM = /^[A-Za-z0-9_]{1,64}$/;

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65_535;
}

/**
 * Throws a `ProxyOptionsError` with one exact message for the first bad value
 * or combination. The renderers call it, so a config is never written from bad options.
 */
export function validateProxyOptions(options: ProxyOptions): void {
  const fail = (code: ProxyOptionsErrorCode, message: string): never => {
    throw new ProxyOptionsError(code, message);
  };
  if (options.backends.length === 0) fail('no_backends', 'backends: at least one backend is required');
  const seen = new Set<string>();
  options.backends.forEach((backend, index) => {
    if (!BACKEND_ID.test(backend.id)) {
      fail('bad_backend_id', `backends[${index}].id: "${backend.id}" must match ${BACKEND_ID.source}`);
    }
    if (seen.has(backend.id))
      fail('duplicate_backend_id', `backends[${index}].id: "${backend.id}" is used twice`);
    seen.add(backend.id);
    if (!HOST.test(backend.host)) {
      fail(
        'bad_backend_host',
        `backends[${index}].host: "${backend.host}" is not a hostname or IPv4 address`,
      );
    }
    if (!isPort(backend.port))
      fail('bad_port', `backends[${index}].port: ${backend.port} is not a port 1..65535`);
  });
  for (const [name, listen] of [
    ['listen', options.listen],
    ['stats', options.stats],
  ] as const) {
    if (!HOST.test(listen.host))
      fail('bad_host', `${name}.host: "${listen.host}" is not an IPv4 address or hostname`);
    if (!isPort(listen.port)) fail('bad_port', `${name}.port: ${listen.port} is not a port 1..65535`);
  }
  if (options.listen.port === options.stats.port && options.listen.host === options.stats.host) {
    fail(
      'port_clash',
      `stats.port: ${options.stats.port} is also listen.port; give the stats endpoint its own port`,
    );
  }
  if (!STICKINESS_MODES.includes(options.stickiness)) {
    fail(
      'bad_stickiness',
      `stickiness: "${options.stickiness}" is not one of ${STICKINESS_MODES.join(', ')}`,
    );
  }
  if (options.dnsResolver !== null && !DNS_RESOLVER.test(options.dnsResolver)) {
    fail(
      'bad_dns_resolver',
      `dnsResolver: "${options.dnsResolver}" must be an IPv4 address and port, e.g. 127.0.0.11:53`,
    );
  }
  const slots = options.serverTemplateSlots;
  if (!Number.isInteger(slots) || slots < 0 || slots > MAX_SERVER_TEMPLATE_SLOTS) {
    fail(
      'bad_server_template',
      `serverTemplateSlots: ${slots} must be an integer 0..${MAX_SERVER_TEMPLATE_SLOTS}`,
    );
  }
  if (slots > 0 && options.dnsResolver === null) {
    fail(
      'bad_server_template',
      'serverTemplateSlots needs dnsResolver: the slots are filled from DNS answers while the proxy runs',
    );
  }
  if (!COOKIE_NAME.test(options.cookieName)) {
    fail('bad_cookie_name', `cookieName: "${options.cookieName}" must match ${COOKIE_NAME.source}`);
  }
  if (!QUERY_PARAM.test(options.roomParam)) {
    fail('bad_room_param', `roomParam: "${options.roomParam}" must match ${QUERY_PARAM.source}`);
  }
  if (!Number.isInteger(options.heartbeatIntervalMs) || options.heartbeatIntervalMs < 0) {
    fail(
      'bad_timeout',
      `heartbeatIntervalMs: ${options.heartbeatIntervalMs} must be an integer >= 0 (0 = no heartbeat)`,
    );
  }
  for (const [key, value] of Object.entries(options.timeouts)) {
    if (!Number.isInteger(value) || value < 1)
      fail('bad_timeout', `timeouts.${key}: ${value} must be a positive integer (ms)`);
  }
  if (options.timeouts.tunnelMs < options.timeouts.clientFinMs) {
    fail(
      'tunnel_below_client_fin',
      `timeouts.tunnelMs (${options.timeouts.tunnelMs}) must be >= timeouts.clientFinMs (${options.timeouts.clientFinMs})`,
    );
  }
  const health = options.health;
  if (!health.path.startsWith('/') || /\s/.test(health.path)) {
    fail('bad_health', `health.path: "${health.path}" must start with / and contain no spaces`);
  }
  for (const key of [
    'intervalMs',
    'fastIntervalMs',
    'downIntervalMs',
    'timeoutMs',
    'fall',
    'rise',
    'maxFails',
    'failTimeoutMs',
  ] as const) {
    if (!Number.isInteger(health[key]) || health[key] < 1)
      fail('bad_health', `health.${key}: ${health[key]} must be a positive integer`);
  }
  if (!Number.isInteger(health.slowStartMs) || health.slowStartMs < 0) {
    fail(
      'bad_health',
      `health.slowStartMs: ${health.slowStartMs} must be an integer >= 0 (0 turns slowstart off)`,
    );
  }
  const limits = options.limits;
  const workers = PROXY_RANGES.workers;
  if (!Number.isInteger(limits.workers) || limits.workers < workers.min || limits.workers > workers.max) {
    fail('bad_limits', `limits.workers: ${limits.workers} must be an integer ${workers.min}..${workers.max}`);
  }
  for (const key of ['connectionsPerAddress', 'connectRatePerAddressPerS'] as const) {
    const range = PROXY_RANGES[key];
    if (!Number.isInteger(limits[key]) || limits[key] < range.min || limits[key] > range.max) {
      fail('bad_limits', `limits.${key}: ${limits[key]} must be an integer ${range.min}..${range.max}`);
    }
  }
  if (!Number.isInteger(limits.fdReserve) || limits.fdReserve < 16) {
    fail('bad_limits', `limits.fdReserve: ${limits.fdReserve} must be an integer >= 16`);
  }
  if (!Number.isInteger(limits.fdLimit) || limits.fdLimit < limits.fdReserve + 2 * 64) {
    fail(
      'bad_limits',
      `limits.fdLimit: ${limits.fdLimit} leaves room for fewer than 64 proxied connections after fdReserve`,
    );
  }
  if (options.tls.enabled && (!options.tls.certPath || !options.tls.keyPath || !options.tls.bundlePath)) {
    fail('tls_paths_missing', 'tls.enabled needs tls.certPath, tls.keyPath and tls.bundlePath');
  }
  const paths: [string, string | null][] = [
    ...Object.entries(options.paths),
    ...(options.tls.enabled
      ? ([
          ['tls.certPath', options.tls.certPath],
          ['tls.keyPath', options.tls.keyPath],
          ['tls.bundlePath', options.tls.bundlePath],
        ] as [string, string][])
      : []),
  ];
  for (const [key, value] of paths) {
    if (value !== null && (!isAbsolute(value) || /[\s;{}"']/.test(value))) {
      fail(
        'relative_path',
        `${key.includes('.') ? key : `paths.${key}`}: "${value}" must be an absolute path without spaces, quotes, ; or braces`,
      );
    }
  }
}

/**
 * Proxied client connections one proxy process can hold: each uses two
 * descriptors (client side and replica side), after the reserve.
 */
export function maxProxiedConnections(limits: ProxyLimits): number {
  return Math.floor((limits.fdLimit - limits.fdReserve) / 2);
}

/** Milliseconds as the `<n>ms` / `<n>s` both configs accept. */
export function durationLiteral(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}
