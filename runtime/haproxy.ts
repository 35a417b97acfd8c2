import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { masterCliCommand, parseShowProc } from '../haproxy/master-cli.js';
import { renderHaproxyConfig } from '../haproxy/render.js';
import { resolveProxyOptions } from '../proxy/options.js';
import { checkHaproxyConfig } from './config-check.js';
import { ManagedProcess } from './managed-process.js';
import { isPortOpen } from './ports.js';
import { mergeReloadChanges, prepareProxyOptions, proxyUrls, writeCheckedConfig } from './proxy-launch.js';
import type { LocalProxyOptions, RunningProxy, StartProxyOptions } from './running-proxy.js';
import { waitFor } from './wait-for.js';

/** Count of successful (re)loads the master has logged. */
async function loadingSuccesses(logPath: string): Promise<number> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  return text.split('Loading success.').length - 1;
}

/**
 * Starts HAProxy in master-worker mode (`-W`, master CLI on `-S`) with a config
 * rendered from the shared options under `dir`. Resolves once both the client
 * port and the stats port accept connections.
 */
export async function startHaproxy(start: StartProxyOptions): Promise<RunningProxy> {
  try {
    return await startHaproxyOnce(start);
  } catch (error) {
    // A free port picked here can be taken by another process before the proxy binds it.
    if (start.options.listen?.port !== undefined && start.options.stats?.port !== undefined) throw error;
    return startHaproxyOnce(start);
  }
}

async function startHaproxyOnce(start: StartProxyOptions): Promise<RunningProxy> {
  let options = await prepareProxyOptions(start.dir, start.options);
  const configPath = join(options.paths.runDir, 'haproxy.cfg');
  await writeCheckedConfig('haproxy', configPath, renderHaproxyConfig(options), checkHaproxyConfig);
  const masterSocket = options.paths.masterSocketPath;
  const process = new ManagedProcess({
    name: start.name ?? 'haproxy',
    command: 'haproxy',
    // No -D: the master stays in the foreground, so its pid is the one we started.
    args: ['-W', '-S', `${masterSocket},mode,600`, '-f', configPath],
    logDir: options.paths.runDir,
    ...(start.caps ? { caps: start.caps } : {}),
    ...(start.host ? { host: start.host } : {}),
  });
  const showProc = async () => parseShowProc(await masterCliCommand(masterSocket, 'show proc'));
  try {
    await waitFor(
      async () =>
        process.running &&
        (await isPortOpen(options.listen.port, options.listen.host)) &&
        (await isPortOpen(options.stats.port, options.stats.host)) &&
        (await showProc()).workers.length > 0,
      {
        timeoutMs: 10_000,
        description: `haproxy listening on ${options.listen.port} (log ${process.logPath})`,
      },
    );
  } catch (error) {
    await process.stop('SIGKILL');
    throw error;
  }
  const urls = proxyUrls(options);
  const running: RunningProxy = {
    kind: 'haproxy',
    port: options.listen.port,
    statsPort: options.stats.port,
    ...urls,
    internalUrl: `http://${options.stats.host}:${options.stats.port}`,
    metricsUrl: `http://${options.stats.host}:${options.stats.port}/metrics`,
    get options() {
      return options;
    },
    configPath,
    pid: process.pid,
    process,
    workerPids: async () => (await showProc()).workers,
    async reload(changes: Partial<LocalProxyOptions> = {}) {
      const nextOptions = resolveProxyOptions(mergeReloadChanges(options, changes));
      await writeCheckedConfig('haproxy', configPath, renderHaproxyConfig(nextOptions), checkHaproxyConfig);
      options = nextOptions;
      const before = new Set((await showProc()).workers);
      const successesBefore = await loadingSuccesses(process.logPath);
      // SIGUSR2 to the master: it re-reads the file, starts new workers with the
      // listening sockets, and old workers finish their connections until hard-stop-after.
      process.killNow('SIGUSR2');
      await waitFor(
        async () => {
          const now = await showProc();
          return now.workers.length > 0 && now.workers.every((pid) => !before.has(pid));
        },
        { timeoutMs: 10_000, description: 'haproxy reload: new workers' },
      );
      // The master logs this once the new worker is ready, when it tells old workers to stop accepting.
      await waitFor(async () => (await loadingSuccesses(process.logPath)) > successesBefore, {
        timeoutMs: 10_000,
        description: `haproxy reload: "Loading success" (log ${process.logPath})`,
      });
    },
    stop: () => process.stop('SIGTERM', 5_000),
  };
  return running;
}
