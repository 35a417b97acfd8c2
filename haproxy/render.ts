import {
  durationLiteral,
  HAPROXY_STATS_PATH,
  INTERNAL_PREFIXES,
  maxProxiedConnections,
  type ProxyOptions,
  type ProxyOptionsInput,
  PUBLIC_PATHS,
  resolveProxyOptions,
} from '../proxy/options.js';
import { type HaproxyView, haproxyTemplate, RESOLVERS_NAME } from './template.js';

/** Key of HAProxy's dynamic cookies (server-template slots); not a secret: it hides no access. */
export const DYNAMIC_COOKIE_KEY = 'wslab-task-cookie';

/** Backend lines that pick a replica and keep a client on it, per stickiness mode. */
export function haproxyBalanceLines(options: ProxyOptions): string[] {
  switch (options.stickiness) {
    case 'none':
      return ['balance leastconn'];
    case 'cookie': {
      // Verified with haproxy 2.6: `insert` adds Set-Cookie to the 101 response
      // itself, and `indirect` leaves a client's valid cookie alone. leastconn picks
      // the replica for a client without (or with a dead replica's) cookie.
      const secure = options.tls.enabled ? ' secure' : '';
      // Template slots (Swarm) have no cookie of their own: `dynamic` derives each server's from
      // its address and the key, so a client stays on its task; the key only obfuscates addresses.
      const dynamic = options.serverTemplateSlots > 0;
      return [
        'balance leastconn',
        `cookie ${options.cookieName} insert indirect nocache httponly${secure}${dynamic ? ' dynamic' : ''}`,
        ...(dynamic ? [`dynamic-cookie-key ${DYNAMIC_COOKIE_KEY}`] : []),
      ];
    }
    case 'source':
      return ['balance source', 'hash-type consistent'];
    case 'room':
      // Requests without the parameter fall back to round robin.
      return [`balance url_param ${options.roomParam}`, 'hash-type consistent'];
  }
}

/** The derived values of the HAProxy config (exported for tests and the README). */
export function haproxyView(options: ProxyOptions): HaproxyView {
  const { timeouts, health, tls } = options;
  const tlsBind = tls.enabled ? ` ssl crt ${tls.bundlePath} alpn http/1.1` : '';
  const defaultServer = [
    'check',
    `inter ${durationLiteral(health.intervalMs)}`,
    `fastinter ${durationLiteral(health.fastIntervalMs)}`,
    `downinter ${durationLiteral(health.downIntervalMs)}`,
    `fall ${health.fall}`,
    `rise ${health.rise}`,
    ...(health.slowStartMs > 0 ? [`slowstart ${durationLiteral(health.slowStartMs)}`] : []),
    'on-marked-down shutdown-sessions',
    // With a DNS resolver (Docker): re-resolve while running, so a replaced replica's new address
    // is used (its old one may already belong to another replica); start from the last known
    // address, then libc, and start even when a name does not resolve yet (the server stays down).
    // Without one (the lab): resolve once at start.
    ...(options.dnsResolver === null
      ? ['init-addr libc,none']
      : [`resolvers ${RESOLVERS_NAME}`, 'init-addr last,libc,none', 'resolve-prefer ipv4']),
  ].join(' ');
  const cookie = options.stickiness === 'cookie';
  return {
    pidFile: options.paths.pidFile,
    adminSocketPath: options.paths.adminSocketPath,
    maxConnections: maxProxiedConnections(options.limits),
    connectionsPerAddress: options.limits.connectionsPerAddress,
    connectRatePerAddressPerS: options.limits.connectRatePerAddressPerS,
    threads: options.limits.workers,
    hardStopAfter: durationLiteral(timeouts.hardStopAfterMs),
    timeouts: {
      connect: durationLiteral(timeouts.connectMs),
      client: durationLiteral(timeouts.clientMs),
      server: durationLiteral(timeouts.serverMs),
      tunnel: durationLiteral(timeouts.tunnelMs),
      clientFin: durationLiteral(timeouts.clientFinMs),
      httpRequest: durationLiteral(timeouts.httpRequestMs),
      httpKeepAlive: durationLiteral(timeouts.httpKeepAliveMs),
      // A /readyz answer takes ~1 ms; a replica silent for timeoutMs is hung even if TCP connects.
      check: durationLiteral(health.timeoutMs),
    },
    bind: `${options.listen.host}:${options.listen.port}${tlsBind}`,
    statsBind: `${options.stats.host}:${options.stats.port}`,
    publicPaths: [PUBLIC_PATHS.websocket, PUBLIC_PATHS.health],
    internalPrefixes: [...INTERNAL_PREFIXES],
    statsPath: HAPROXY_STATS_PATH,
    balanceLines: haproxyBalanceLines(options),
    healthPath: health.path,
    resolverLines:
      options.dnsResolver === null
        ? []
        : [
            `nameserver dns ${options.dnsResolver}`,
            // Re-resolve every second and keep an answer 1 s: a replaced replica is seen within ~2 s.
            'timeout resolve 1s',
            'timeout retry 1s',
            'hold valid 1s',
            'hold nx 1s',
            'hold obsolete 1s',
            'accepted_payload_size 8192',
          ],
    defaultServer,
    serverLines: options.backends.map((backend) =>
      options.serverTemplateSlots > 0
        ? // Swarm: one name lists every task; HAProxy names the slots <id>1..<id>N and sets each
          // one's address from the answers (cookie stickiness: dynamic cookies, see above).
          `server-template ${backend.id} ${options.serverTemplateSlots} ${backend.host}:${backend.port}`
        : `server ${backend.id} ${backend.host}:${backend.port}${cookie ? ` cookie ${backend.id}` : ''}`,
    ),
  };
}

/**
 * Renders haproxy.cfg for HAProxy 2.6 from the shared proxy options (defaults
 * merged and validated first; throws ProxyOptionsError on bad options).
 */
export function renderHaproxyConfig(input: ProxyOptionsInput): string {
  return haproxyTemplate(haproxyView(resolveProxyOptions(input)));
}
