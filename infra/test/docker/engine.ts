import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

/**
 * A private Docker engine for the real-engine test: its own socket, data root (kept between runs:
 * the base image cache lives there) and exec root, started and stopped by this process (by pid).
 */
export interface EnginePaths {
  runDir: string;
  socket: string;
  dataRoot: string;
}

export const ENGINE: EnginePaths = {
  runDir: '/tmp/wslab-docker',
  socket: '/tmp/wslab-docker/docker.sock',
  dataRoot: '/var/lib/wslab-docker',
};

export interface RunningEngine {
  docker: Docker;
  socket: string;
  stop(): Promise<void>;
}

/** Why dockerd cannot run here, or undefined when the prerequisites are met. */
export function engineBlocker(): string | undefined {
  if (process.platform !== 'linux') return `dockerd runs on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'dockerd must run as root here (a private engine with its own data root)';
  for (const controller of ['cpu', 'memory']) {
    const v1 = `/sys/fs/cgroup/${controller}`;
    const v2 = '/sys/fs/cgroup/cgroup.controllers';
    const ok =
      existsSync(v1) || (existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes(controller));
    if (!ok) return `the cgroup controller "${controller}" is not mounted under /sys/fs/cgroup`;
  }
  return undefined;
}

/** Installs docker.io and debootstrap with apt when missing (Debian/Ubuntu only). */
export function ensureTools(log: (line: string) => void): void {
  const missing = [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
    ['debootstrap', 'debootstrap'],
  ].filter(([binary]) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg!))];
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    throw new Error(
      `missing ${packages.join(', ')} and no apt-get to install them; install them and run again`,
    );
  }
  log(`apt-get install ${packages.join(' ')}`);
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...packages],
  ]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
  }
}

/** Starts dockerd and waits until its API answers (30 s). */
export async function startEngine(paths: EnginePaths = ENGINE): Promise<RunningEngine> {
  const blocker = engineBlocker();
  if (blocker !== undefined) throw new Error(`cannot start dockerd: ${blocker}`);
  mkdirSync(paths.runDir, { recursive: true });
  const logFd = openSync(`${paths.runDir}/dockerd.log`, 'a');
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '-H',
      `unix://${paths.socket}`,
      '--data-root',
      paths.dataRoot,
      '--exec-root',
      `${paths.runDir}/exec`,
      '--pidfile',
      `${paths.runDir}/dockerd.pid`,
    ],
    { stdio: ['ignore', logFd, logFd], detached: false },
  );
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `dockerd exited (${code ?? signal}); see ${paths.runDir}/dockerd.log`;
  });
  const docker = new Docker({ socketPath: paths.socket });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) throw new Error(exited);
    try {
      await docker.ping();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(
          `dockerd did not answer on ${paths.socket} within 30 s; see ${paths.runDir}/dockerd.log`,
        );
      }
      await sleep(250);
    }
  }
  return {
    docker,
    socket: paths.socket,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(20_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
