import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProxyBackend } from '../../proxy/options.js';
import type { ProxySettings } from '../../topology/proxy-input.js';
import type { ProxyKind } from '../../topology/spec.js';
import type { ResourceCaps } from '../cgroup.js';
import { startHaproxy } from '../haproxy.js';
import type { ManagedProcess } from '../managed-process.js';
import { startNginx } from '../nginx.js';
import type { LabProxyOptions, RunningProxy as ProcessProxy } from '../running-proxy.js';

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
  /** Re-renders the config (new backends, settings) and reloads without dropping open connections. */
  reload(settings: ProxySettings, backends: ProxyBackend[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The launcher's options: the spec's proxy settings (topology/proxy-input.ts) plus the lab's placement.
 * Listen and stats ports are free ones picked at start, the run dir is `<dir>/<kind>`.
 */
export function labProxyOptions(
  settings: ProxySettings,
  backends: ProxyBackend[],
  socketDir: string,
): LabProxyOptions {
  return {
    ...settings,
    backends,
    // unix socket paths are limited to ~100 bytes: keep them out of deep run dirs
    paths: {
      adminSocketPath: join(socketDir, 'admin.sock'),
      masterSocketPath: join(socketDir, 'master.sock'),
    },
  };
}

/** Starts `kind` with a config rendered by the shared renderer and waits until it accepts connections. */
export async function startProxy(
  kind: ProxyKind,
  dir: string,
  settings: ProxySettings,
  backends: ProxyBackend[],
  caps?: ResourceCaps,
): Promise<RunningProxy> {
  const start = kind === 'haproxy' ? startHaproxy : startNginx;
  const socketDir = mkdtempSync(join(tmpdir(), `wslab-${kind}-`));
  const removeSockets = () => rmSync(socketDir, { recursive: true, force: true });
  let handle: ProcessProxy;
  try {
    handle = await start({
      dir: join(dir, kind),
      options: labProxyOptions(settings, backends, socketDir),
      name: kind,
      ...(caps ? { caps } : {}),
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
    reload: (next, nextBackends) => handle.reload(labProxyOptions(next, nextBackends, socketDir)),
    stop: async () => {
      await handle.stop();
      removeSockets();
    },
  };
}
