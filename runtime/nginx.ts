import { join } from 'node:path';
import { renderNginxConfig } from '../nginx/render.js';
import { resolveProxyOptions } from '../proxy/options.js';
import { checkNginxConfig } from './config-check.js';
import { ManagedProcess } from './managed-process.js';
import { isPortOpen } from './ports.js';
import { childPids, readCommandLine } from './proc.js';
import { mergeReloadChanges, prepareProxyOptions, proxyUrls, writeCheckedConfig } from './proxy-launch.js';
import type { LocalProxyOptions, RunningProxy, StartProxyOptions } from './running-proxy.js';
import { waitFor } from './wait-for.js';

/** True while `pid` is an nginx worker that still accepts connections (not gone, not shutting down). */
function isAcceptingWorker(pid: number): boolean {
  const title = readCommandLine(pid);
  return title.startsWith('nginx: worker process') && !title.includes('shutting down');
}

/** Nginx workers outlive a SIGKILLed master: remember every worker we saw and end them by pid. */
const knownWorkers = new Set<number>();
let exitHookInstalled = false;
function killWorkers(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      // Only if the pid still is an nginx process (never a recycled pid).
      if (!readCommandLine(pid).startsWith('nginx:')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    knownWorkers.delete(pid);
  }
}

/**
 * Starts Nginx as a foreground master (`daemon off;` in the config) with a
 * config rendered from the shared options under `dir`; `-p` and `-e` keep
 * every path (prefix, error log, temp dirs) in the run dir, none under /var.
 */
export async function startNginx(start: StartProxyOptions): Promise<RunningProxy> {
  try {
    return await startNginxOnce(start);
  } catch (error) {
    // A free port picked here can be taken by another process before the proxy binds it.
    if (start.options.listen?.port !== undefined && start.options.stats?.port !== undefined) throw error;
    return startNginxOnce(start);
  }
}

async function startNginxOnce(start: StartProxyOptions): Promise<RunningProxy> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => killWorkers([...knownWorkers]));
  }
  let options = await prepareProxyOptions(start.dir, start.options);
  const runDir = options.paths.runDir;
  const configPath = join(runDir, 'nginx.conf');
  const check = (path: string) =>
    checkNginxConfig(path, runDir, options.paths.errorLogPath, start.host?.netnsPath);
  await writeCheckedConfig('nginx', configPath, renderNginxConfig(options), check);
  const managed = new ManagedProcess({
    name: start.name ?? 'nginx',
    command: 'nginx',
    args: ['-c', configPath, '-p', runDir, '-e', options.paths.errorLogPath],
    logDir: runDir,
    ...(start.caps ? { caps: start.caps } : {}),
    ...(start.host ? { host: start.host } : {}),
  });
  const masterPid = managed.pid;
  const workers = async (): Promise<number[]> => {
    const pids = await childPids(masterPid);
    for (const pid of pids) knownWorkers.add(pid);
    return pids;
  };
  try {
    await waitFor(
      async () =>
        managed.running &&
        (await isPortOpen(options.listen.port, options.listen.host)) &&
        (await isPortOpen(options.stats.port, options.stats.host)) &&
        (await workers()).length >= options.limits.workers,
      {
        timeoutMs: 10_000,
        description: `nginx listening on ${options.listen.port} (log ${options.paths.errorLogPath})`,
      },
    );
  } catch (error) {
    await managed.stop('SIGKILL');
    killWorkers(await workers());
    throw error;
  }
  let currentWorkers = await workers();
  return {
    kind: 'nginx',
    port: options.listen.port,
    statsPort: options.stats.port,
    ...proxyUrls(options),
    internalUrl: `http://${options.stats.host}:${options.stats.port}`,
    metricsUrl: `http://${options.stats.host}:${options.stats.port}/stub_status`,
    get options() {
      return options;
    },
    configPath,
    pid: masterPid,
    process: managed,
    workerPids: async () => {
      const alive = new Set(await workers());
      return currentWorkers.filter((pid) => alive.has(pid));
    },
    async reload(changes: Partial<LocalProxyOptions> = {}) {
      const nextOptions = resolveProxyOptions(mergeReloadChanges(options, changes));
      await writeCheckedConfig('nginx', configPath, renderNginxConfig(nextOptions), check);
      options = nextOptions;
      const before = new Set(await workers());
      // SIGHUP (what `nginx -s reload` sends): new workers take new connections,
      // old ones finish theirs for up to worker_shutdown_timeout.
      managed.killNow('SIGHUP');
      currentWorkers = await waitFor(
        async () => {
          const fresh = (await workers()).filter((pid) => !before.has(pid));
          return fresh.length >= options.limits.workers ? fresh : undefined;
        },
        { timeoutMs: 10_000, description: 'nginx reload: new workers' },
      );
      // Old workers accept until they get the master's SIGQUIT and retitle
      // themselves "is shutting down": only then do new connections see the new config.
      await waitFor(() => [...before].every((pid) => !isAcceptingWorker(pid)), {
        timeoutMs: 10_000,
        description: 'nginx reload: old workers stop accepting',
      });
    },
    async stop() {
      const seen = await workers();
      await managed.stop('SIGTERM', 5_000);
      // Normally gone with the master; a SIGKILL fallback would leave them behind.
      killWorkers(seen.filter((pid) => knownWorkers.has(pid)));
    },
  };
}
