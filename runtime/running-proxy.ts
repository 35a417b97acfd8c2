import type { ProxyListen, ProxyOptions, ProxyOptionsInput, ProxyPaths, ProxyTls } from '../proxy/options.js';
import type { ProxyKind } from '../topology/spec.js';
import type { ResourceCaps } from './cgroup.js';
import type { ManagedProcess, ProcessHost } from './managed-process.js';

/**
 * What startHaproxy/startNginx take: the shared options, with ports (free ones are
 * picked when absent) and paths (under `dir`) optional — a proxy as a local process.
 */
export type LocalProxyOptions = Omit<ProxyOptionsInput, 'listen' | 'stats' | 'paths' | 'tls'> & {
  listen?: Partial<ProxyListen>;
  stats?: Partial<ProxyListen>;
  paths?: Partial<ProxyPaths>;
  /** `true`: generate a self-signed certificate under `<dir>/tls` at start. */
  tls?: Partial<ProxyTls> | true;
};

export interface StartProxyOptions {
  /** Run dir the proxy owns: config, pid file, sockets, logs, temp dirs. Created if missing. */
  dir: string;
  options: LocalProxyOptions;
  /** Log name (default the binary's name). */
  name?: string;
  /** CPU/memory caps of the proxy (master and workers share one cgroup). */
  caps?: ResourceCaps;
  /** A lab host to run on (runtime/hosts/); set `options.listen.host`/`stats.host` to its address. */
  host?: ProcessHost;
}

/** A proxy process started here, stopped only by its own pid. */
export interface RunningProxy {
  kind: ProxyKind;
  /** Port clients connect to. */
  port: number;
  /** The internal listener's port: HAProxy stats + /metrics, or Nginx /stub_status; /api/*, /admin/*. */
  statsPort: number;
  /** `http://` base of the internal listener (operators' /api/* and /admin/* go here, never to httpUrl). */
  internalUrl: string;
  /** `http://` or `https://` base URL. */
  httpUrl: string;
  /** `ws://` or `wss://` base URL (append `/ws?room=…`). */
  wsUrl: string;
  /** Metrics/status URL (HAProxy `/metrics`, Nginx `/stub_status`). */
  metricsUrl: string;
  /** The resolved options the running config was rendered from. */
  options: ProxyOptions;
  configPath: string;
  /** Master process pid. */
  pid: number;
  process: ManagedProcess;
  /** Current worker pids (not the old ones still draining after a reload). */
  workerPids(): Promise<number[]>;
  /**
   * Re-renders the config with `changes` merged (for example new backends),
   * checks it with the binary, reloads gracefully and resolves once new
   * workers serve. Open connections stay on old workers until hardStopAfterMs.
   */
  reload(changes?: Partial<LocalProxyOptions>): Promise<void>;
  /** Stops master and workers (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}
