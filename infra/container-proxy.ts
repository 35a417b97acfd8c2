import { type ProxyPlacement, proxyInput } from '../topology/proxy-input.js';
import type { StackConfig } from '../topology/stack-config.js';

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
      // The public listener's 404s for paths it does not serve, one line each (inside the container).
      notPublicLogPath: '/var/cache/nginx/not-public.log',
    },
  },
} as const;

/**
 * The proxy's options inside its container, on every platform (Docker, Swarm, Kubernetes): the
 * stack's settings, the container's fixed ports and paths, and where the replicas are.
 */
export function containerProxyInput(stack: StackConfig, backends: ProxyPlacement['backends']) {
  return proxyInput(stack, {
    backends,
    listen: { host: '0.0.0.0', port: CONTAINER_PROXY.listenPort },
    stats: { host: '0.0.0.0', port: CONTAINER_PROXY.statsPort },
    paths: CONTAINER_PROXY[stack.proxy].paths,
  });
}
