import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxyBackend } from '../../proxy/options.js';
import type { ProxySettings } from '../../topology/proxy-input.js';
import type { ProxyKind } from '../../topology/spec.js';
import type { ResourceCaps } from '../cgroup.js';
import { startHaproxy } from '../haproxy.js';
import type { ManagedProcess, ProcessHost } from '../managed-process.js';
import { startNginx } from '../nginx.js';
import type { LocalProxyOptions, RunningProxy } from '../running-proxy.js';

/**
 * The launcher's options: the spec's proxy settings (topology/proxy-input.ts) plus local placement.
 * Listen and stats ports are free ones picked at start, the run dir is `<dir>/<kind>`.
 */
export function localProxyOptions(
  settings: ProxySettings,
  backends: ProxyBackend[],
  socketDir: string,
  address?: string,
): LocalProxyOptions {
  return {
    ...settings,
    backends,
    // on a lab host: listen and stats on its address (reached through the lab gateway)
    ...(address === undefined ? {} : { listen: { host: address }, stats: { host: address } }),
    // unix socket paths are limited to ~100 bytes: keep them out of deep run dirs
    paths: {
      adminSocketPath: join(socketDir, 'admin.sock'),
      masterSocketPath: join(socketDir, 'master.sock'),
    },
  };
}

/**
 * HAProxy or Nginx in front of the replicas as a local process, the counterpart of
 * infra/components/load-balancer.ts: its config rendered by the shared renderer from the spec's
 * proxy settings and the replicas as backends.
 */
export class LocalLoadBalancer {
  private constructor(
    readonly kind: ProxyKind,
    /** The proxy process module's handle (worker pids, options, stats port…). */
    readonly handle: RunningProxy,
    private readonly socketDir: string,
    /** The lab host it runs on (undefined: this machine, 127.0.0.1). */
    readonly host: ProcessHost | undefined,
  ) {}

  /** Starts `kind` with a config rendered by the shared renderer and waits until it accepts connections. */
  static async start(
    kind: ProxyKind,
    dir: string,
    settings: ProxySettings,
    backends: ProxyBackend[],
    caps?: ResourceCaps,
    host?: ProcessHost,
  ): Promise<LocalLoadBalancer> {
    const start = kind === 'haproxy' ? startHaproxy : startNginx;
    const socketDir = mkdtempSync(join(tmpdir(), `wslab-${kind}-`));
    try {
      const handle = await start({
        dir: join(dir, kind),
        options: localProxyOptions(settings, backends, socketDir, host?.address),
        name: kind,
        ...(caps ? { caps } : {}),
        ...(host ? { host } : {}),
      });
      return new LocalLoadBalancer(kind, handle, socketDir, host);
    } catch (error) {
      rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
  }

  get port(): number {
    return this.handle.port;
  }

  /** The address it listens on: 127.0.0.1, or its lab host's. */
  get address(): string {
    return this.handle.options.listen.host;
  }

  /** ws://<address>:port/ws */
  get wsUrl(): string {
    return `${this.handle.wsUrl}/ws`;
  }

  /** HAProxy /metrics, Nginx /stub_status. */
  get statsUrl(): string {
    return this.handle.metricsUrl;
  }

  get pid(): number {
    return this.handle.pid;
  }

  get process(): ManagedProcess {
    return this.handle.process;
  }

  get logPath(): string {
    return this.handle.process.logPath;
  }

  /** Re-renders the config (new backends, settings) and reloads without dropping open connections. */
  reload(settings: ProxySettings, backends: ProxyBackend[]): Promise<void> {
    return this.handle.reload(localProxyOptions(settings, backends, this.socketDir, this.host?.address));
  }

  async stop(): Promise<void> {
    await this.handle.stop();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
