import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Topology } from '../../runtime/local/local-topology.js';
import { waitFor } from '../../runtime/wait-for.js';
import type { TopologySpec } from '../../topology/spec.js';
import { readStackFile, type StackConfig, stackFilePath } from '../../topology/stack-config.js';
import { topologySource } from '../live/collector.js';
import { type LiveView, startLiveView } from '../live/live-view.js';
import { down } from './down.js';
import { isAlive } from './pids.js';
import { authLine, type LabState, readLabState, removeLabState, statePath, writeLabState } from './state.js';

/**
 * The spec of a Pulumi stack file, through the same parser the Pulumi program uses, so
 * `up --stack <name>` runs locally what Pulumi deploys (Docker-only keys aside: topology/README.md).
 */
export function stackSpec(projectDir: string, stack: string): StackConfig {
  return readStackFile(stackFilePath(projectDir, stack));
}

/** state.json for a running topology. */
export function stateOf(topology: Topology, detached: boolean, ready: boolean, liveUrl?: string): LabState {
  return {
    ...(liveUrl ? { liveUrl } : {}),
    version: 1,
    supervisorPid: process.pid,
    detached,
    startedAt: new Date().toISOString(),
    ready,
    dir: topology.dir,
    settings: { ...topology.spec },
    components: topology.components(),
    urls: topology.urls(),
    publishApiKey: topology.publishApiKey,
    redisPassword: topology.redisPassword,
    ...(topology.authJwtSecret === undefined ? {} : { authJwtSecret: topology.authJwtSecret }),
  };
}

/** Human-readable summary printed once the topology is up. */
export function describeUp(state: LabState): string {
  const lines = ['wslab is up:'];
  for (const [kind, url] of Object.entries(state.urls.proxies)) lines.push(`  ${kind.padEnd(8)} ${url}`);
  state.urls.direct.forEach((url, index) => {
    lines.push(`  ${`r${index + 1}`.padEnd(8)} ${url}`);
  });
  if (state.liveUrl) lines.push(`  live     ${state.liveUrl}`);
  lines.push(`  logs     ${join(state.dir, 'logs')}`);
  lines.push(`  auth     ${authLine(state)}`);
  // The key stays in state.json (0600): this summary is printed, and often lands in a log.
  lines.push(
    `  publish  curl -H "x-api-key: $(node -p 'require(process.argv[1]).publishApiKey' ${statePath(state.dir)})" \\`,
  );
  lines.push(`             -d '{"room":"demo","data":"hi"}' \\`);
  lines.push(
    `             ${state.components.find((c) => c.kind === 'replica')?.adminUrl ?? ''}/api/publish`,
  );
  return lines.join('\n');
}

/**
 * Foreground `up`: starts the topology, records it in state.json and runs until
 * SIGINT/SIGTERM (Ctrl-C), then stops everything. A crash of this process
 * still kills the children (ManagedProcess's exit hook).
 */
export async function upForeground(
  dir: string,
  spec: TopologySpec,
  detached: boolean,
  serveLiveView = true,
): Promise<void> {
  const existing = readLabState(dir);
  if (existing && isAlive(existing.supervisorPid) && existing.supervisorPid !== process.pid) {
    throw new Error(`a lab is already up (pid ${existing.supervisorPid}); run \`wslab down\` first`);
  }
  if (existing) {
    // a lab that died without cleaning up (SIGKILL): stop what it left, by recorded pid
    const leftovers = await down(dir);
    if (leftovers.killed.length > 0) {
      process.stderr.write(
        `wslab: stopped ${leftovers.killed.length} processes left by a lab that crashed\n`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const topology = await Topology.start({ ...spec, dir });
  let live: LiveView | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (exitCode: number) => {
    stopping ??= (async () => {
      await live?.stop();
      await topology.stop();
      removeLabState(dir);
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const onCrash = (error: unknown) => {
    process.stderr.write(
      `wslab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    void shutdown(1);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  if (serveLiveView) {
    live = await startLiveView(dir);
    live.collector.attach(topologySource(topology));
    live.collector.phase('up');
  }
  const liveUrl = live?.server.url;
  // Faults or crashes change pids: keep state.json current for `status` and `down`.
  const refresh = setInterval(() => writeLabState(dir, stateOf(topology, detached, true, liveUrl)), 2_000);
  refresh.unref();
  const state = stateOf(topology, detached, true, liveUrl);
  writeLabState(dir, state);
  process.stdout.write(`${describeUp(state)}\n`);
  if (!detached) process.stdout.write('Ctrl-C stops everything.\n');
  await new Promise<never>(() => {
    // runs until a signal handler exits the process
  });
}

/**
 * Detached `up`: re-runs this CLI as a background supervisor (own session, log
 * under the lab dir) and returns once it reports ready in state.json.
 */
export async function upDetached(dir: string, argv: string[], cliPath: string): Promise<LabState> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const logPath = join(dir, 'logs', 'lab.log');
  const log = openSync(logPath, 'a');
  const args = argv.filter((arg) => arg !== '--detach' && arg !== '-d');
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(cliPath), ...args, '--supervised'], {
    // `--import tsx` resolves from the working directory: run where node_modules is
    cwd: resolve(dirname(cliPath), '..'),
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, WSLAB_DIR: dir },
  });
  child.unref();
  const supervisorPid = child.pid;
  if (supervisorPid === undefined) throw new Error('could not start the lab supervisor');
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });
  try {
    return await waitFor(
      () => {
        const state = readLabState(dir);
        if (state?.ready && state.supervisorPid === supervisorPid) return state;
        // waitFor treats a throw as "not yet": end the wait through the timeout-free path instead
        if (exitCode !== undefined) return { failed: true as const };
        return undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, description: 'the detached lab ready' },
    ).then((outcome) => {
      if ('failed' in outcome)
        throw new Error(`the lab supervisor exited (code ${exitCode}) before it was ready`);
      return outcome;
    });
  } catch (error) {
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${(error as Error).message}\n--- ${logPath} ---\n${tail}`);
  }
}
