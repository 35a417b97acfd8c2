import type { Stickiness } from '../../proxy/options.js';
import type { LabProxyOptions, RunningProxy as ProcessProxy } from '../../proxy/running.js';
import { startHaproxy } from '../processes/haproxy.js';
import type { ManagedProcess } from '../processes/managed-process.js';
import { startNginx } from '../processes/nginx.js';
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
function labProxyOptions(config: ProxyConfig): LabProxyOptions {
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
  };
}

/** Starts `kind` with a config rendered by the shared renderer and waits until it accepts connections. */
export async function startProxy(kind: ProxyKind, config: ProxyConfig): Promise<RunningProxy> {
  const start = kind === 'haproxy' ? startHaproxy : startNginx;
  const handle = await start({ dir: `${config.dir}/${kind}`, options: labProxyOptions(config), name: kind });
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
    reload: (next) => handle.reload(labProxyOptions(next)),
    stop: () => handle.stop(),
  };
}
