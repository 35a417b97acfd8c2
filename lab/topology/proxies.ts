import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stickiness } from '../../proxy/options.js';
import { startHaproxy } from '../../runtime/haproxy.js';
import type { ManagedProcess } from '../../runtime/managed-process.js';
import { startNginx } from '../../runtime/nginx.js';
import type { LabProxyOptions, RunningProxy as ProcessProxy } from '../../runtime/running-proxy.js';
import type { ProxyKind } from './options.js';

/** What the topology asks of a proxy: its backends and the knobs the lab varies. */
export interface ProxyConfig {
  dir: string;
  backends: { id: string; host: string; port: number }[];
  stickiness: Stickiness;
  tunnelTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** A running HAProxy or Nginx in front of the replicas. */
export interface RunningProxy {
  kind: ProxyKind;
  port: number;
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  /** HAProxy /metrics, Nginx /stub_status. */
  statsUrl: string;
  readonly pid: number;
  readonly process: ManagedProcess;
  readonly logPath: string;
  /** The proxy process module's handle (worker pids, options…). */
  readonly handle: ProcessProxy;
  /** Re-renders the config (new backends) and reloads without dropping open connections. */
  reload(config: ProxyConfig): Promise<void>;
  stop(): Promise<void>;
}

/** The shared proxy options for the lab's knobs; everything else keeps the renderer defaults. */
function labProxyOptions(config: ProxyConfig, socketDir: string): LabProxyOptions {
  const timeouts: NonNullable<LabProxyOptions['timeouts']> = {};
  if (config.tunnelTimeoutMs !== undefined) {
    timeouts.tunnelMs = config.tunnelTimeoutMs;
    // the options require tunnel >= client-fin: shrink client-fin with a short tunnel
    timeouts.clientFinMs = Math.min(5_000, config.tunnelTimeoutMs);
  }
  if (config.connectTimeoutMs !== undefined) timeouts.connectMs = config.connectTimeoutMs;
  return {
    backends: config.backends,
    stickiness: config.stickiness,
    timeouts,
    // one worker: this is a 2-core machine shared with the replicas, Redis and the load
    limits: { workers: 1 },
    // unix socket paths are limited to ~100 bytes: keep them out of deep run dirs
    paths: {
      adminSocketPath: join(socketDir, 'admin.sock'),
      masterSocketPath: join(socketDir, 'master.sock'),
    },
  };
}

/** Starts `kind` with a config rendered by the shared renderer and waits until it accepts connections. */
export async function startProxy(kind: ProxyKind, config: ProxyConfig): Promise<RunningProxy> {
  const start = kind === 'haproxy' ? startHaproxy : startNginx;
  const socketDir = mkdtempSync(join(tmpdir(), `wslab-${kind}-`));
  const removeSockets = () => rmSync(socketDir, { recursive: true, force: true });
  let handle: ProcessProxy;
  try {
    handle = await start({
      dir: join(config.dir, kind),
      options: labProxyOptions(config, socketDir),
      name: kind,
    });
  } catch (error) {
    removeSockets();
    throw error;
  }
  return {
    kind,
    port: handle.port,
    wsUrl: `${handle.wsUrl}/ws`,
    statsUrl: handle.metricsUrl,
    get pid() {
      return handle.pid;
    },
    get process() {
      return handle.process;
    },
    get logPath() {
      return handle.process.logPath;
    },
    handle,
    reload: (next) => handle.reload(labProxyOptions(next, socketDir)),
    stop: async () => {
      await handle.stop();
      removeSockets();
    },
  };
}
