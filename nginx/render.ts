import {
  durationLiteral,
  INTERNAL_PREFIXES,
  maxProxiedConnections,
  type ProxyOptions,
  type ProxyOptionsInput,
  PUBLIC_PATHS,
  resolveProxyOptions,
} from '../proxy/options.js';
import { type NginxView, nginxTemplate } from './template.js';

/** Variable that holds the sticky key in cookie mode (the cookie, or a fresh $request_id). */
export const NGINX_STICKY_KEY_VAR = '$wslab_sticky_key';

/**
 * The balancing method and the `map` blocks it needs, per stickiness mode.
 *
 * Cookie mode: Nginx OSS has no `sticky cookie`, so the proxy issues the key
 * itself. A client without the cookie gets `$request_id` as its key, the
 * request is hashed on it, and the same value is sent back in Set-Cookie (on
 * the 101 too: `always`). On reconnect the browser sends the cookie, the
 * hash lands on the same replica while it is in the upstream set and healthy.
 * Hashing on the raw cookie alone would put every new client on one replica.
 */
export function nginxBalance(options: ProxyOptions): {
  balance: string;
  maps: string[];
  locationExtras: string[];
} {
  switch (options.stickiness) {
    case 'none':
      return { balance: 'least_conn;', maps: [], locationExtras: [] };
    case 'source':
      return { balance: 'hash $remote_addr consistent;', maps: [], locationExtras: [] };
    case 'room': {
      // Without the parameter, hash a per-request id (spread) instead of '' (one replica for all).
      const arg = `$arg_${options.roomParam}`;
      return {
        balance: 'hash $wslab_room_key consistent;',
        maps: [`map ${arg} $wslab_room_key {\n    '' $request_id;\n    default ${arg};\n}`],
        locationExtras: [],
      };
    }
    case 'cookie': {
      const cookieVar = `$cookie_${options.cookieName}`;
      const secure = options.tls.enabled ? '; Secure' : '';
      return {
        balance: `hash ${NGINX_STICKY_KEY_VAR} consistent;`,
        maps: [
          `map ${cookieVar} ${NGINX_STICKY_KEY_VAR} {\n    '' $request_id;\n    default ${cookieVar};\n}`,
          // Empty value: add_header adds nothing, so a client keeps its cookie.
          `map ${cookieVar} $wslab_set_cookie {\n    '' '${options.cookieName}=$request_id; Path=/; HttpOnly; SameSite=Lax${secure}';\n    default '';\n}`,
        ],
        locationExtras: ['add_header Set-Cookie $wslab_set_cookie always;'],
      };
    }
  }
}

/** The derived values of the Nginx config (exported for tests and the README). */
export function nginxView(options: ProxyOptions): NginxView {
  const { timeouts, health, limits, tls, paths } = options;
  const balance = nginxBalance(options);
  return {
    runDir: paths.runDir,
    pidFile: paths.pidFile,
    errorLogPath: paths.errorLogPath,
    accessLog: paths.accessLogPath === null ? 'off' : `${paths.accessLogPath} wslab`,
    workers: limits.workers,
    workerRlimitNofile: limits.fdLimit,
    // worker_connections counts every connection of a worker: a proxied
    // WebSocket is two (client + replica), so this allows maxProxiedConnections clients.
    workerConnections: 2 * maxProxiedConnections(limits),
    workerShutdownTimeout: durationLiteral(timeouts.hardStopAfterMs),
    connectionsPerAddress: limits.connectionsPerAddress,
    connectRatePerAddressPerS: limits.connectRatePerAddressPerS,
    timeouts: {
      connect: durationLiteral(timeouts.connectMs),
      // The upgraded connection's idle timeout: reset by every frame from the replica (its pings).
      read: durationLiteral(timeouts.tunnelMs),
      send: durationLiteral(timeouts.tunnelMs),
      clientHeader: durationLiteral(timeouts.httpRequestMs),
      clientBody: durationLiteral(timeouts.clientMs),
      keepAlive: durationLiteral(timeouts.httpKeepAliveMs),
      // Room for one upgrade that times out on a frozen replica, then a connect to the next one.
      nextUpstream: durationLiteral(timeouts.tunnelMs + timeouts.connectMs * 2),
    },
    maps: balance.maps,
    balance: balance.balance,
    serverLines: options.backends.map(
      (backend) =>
        `server ${backend.host}:${backend.port} max_fails=${health.maxFails} fail_timeout=${durationLiteral(health.failTimeoutMs)};`,
    ),
    listen: `${options.listen.host}:${options.listen.port}${tls.enabled ? ' ssl' : ''}`,
    tlsLines: tls.enabled
      ? [
          `ssl_certificate ${tls.certPath};`,
          `ssl_certificate_key ${tls.keyPath};`,
          'ssl_protocols TLSv1.2 TLSv1.3;',
          'ssl_session_cache shared:wslab_tls:10m;',
        ]
      : [],
    locationExtras: balance.locationExtras,
    forwardedProto: '$scheme',
    statusListen: `${options.stats.host}:${options.stats.port}`,
    websocketPath: PUBLIC_PATHS.websocket,
    healthPath: PUBLIC_PATHS.health,
    internalPrefixes: [...INTERNAL_PREFIXES],
    notPublicLog: `${paths.notPublicLogPath} wslab`,
  };
}

/**
 * Renders nginx.conf for Nginx 1.22 from the shared proxy options (defaults
 * merged and validated first; throws ProxyOptionsError on bad options).
 */
export function renderNginxConfig(input: ProxyOptionsInput): string {
  return nginxTemplate(nginxView(resolveProxyOptions(input)));
}
