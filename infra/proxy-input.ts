import type { ProxyBackend, ProxyListen, ProxyOptionsInput, ProxyPaths } from '../proxy/options.js';
import type { StackConfig } from '../spec/stack-config.js';

/** Where a proxy runs: the parts of its options that differ between Docker and the local lab. */
export interface ProxyPlacement {
  backends: ProxyBackend[];
  listen: ProxyListen;
  stats: ProxyListen;
  paths: Partial<ProxyPaths> & { runDir: string };
}

/**
 * The shared renderers' input for a stack: stickiness and timeouts from the stack config,
 * placement (backends, listeners, paths) from the caller. Used by infra/ for containers and
 * reusable by the lab for `wslab up --stack <name>`, so both render from the same values.
 */
export function stackProxyInput(stack: StackConfig, placement: ProxyPlacement): ProxyOptionsInput {
  return {
    backends: placement.backends,
    listen: placement.listen,
    stats: placement.stats,
    paths: placement.paths,
    stickiness: stack.stickiness,
    timeouts: {
      connectMs: stack.proxyConnectTimeoutMs,
      clientMs: stack.proxyClientTimeoutMs,
      serverMs: stack.proxyServerTimeoutMs,
      tunnelMs: stack.proxyTunnelTimeoutMs,
    },
  };
}

/** Container-side ports and paths (fixed inside the container; host ports come from the stack). */
export const CONTAINER_PROXY = {
  listenPort: 8080,
  statsPort: 8404,
  haproxy: {
    configPath: '/usr/local/etc/haproxy/haproxy.cfg',
    // Owned by the image's unprivileged `haproxy` user, so pid file and sockets can live here.
    paths: {
      runDir: '/var/lib/haproxy',
      pidFile: '/var/lib/haproxy/haproxy.pid',
      adminSocketPath: '/var/lib/haproxy/admin.sock',
      masterSocketPath: '/var/lib/haproxy/master.sock',
    },
  },
  nginx: {
    configPath: '/etc/nginx/nginx.conf',
    // /var/cache/nginx exists in the official image (temp dirs go under it); logs go to Docker.
    paths: {
      runDir: '/var/cache/nginx',
      pidFile: '/var/run/nginx.pid',
      errorLogPath: '/dev/stderr',
      accessLogPath: '/dev/stdout',
    },
  },
} as const;
