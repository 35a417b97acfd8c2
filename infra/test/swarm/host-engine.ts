import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import type { LabHost } from '../../../runtime/hosts/host.js';
import { swarmHostSubnets } from '../../../topology/subnets.js';

/** Where each lab host's dockerd keeps its socket, exec root, pidfile and log (removed after). */
export const SWARM_RUN_ROOT = '/tmp/wslab-swarm';
/** Each host's data root (removed after: nothing in it is reused). */
export const SWARM_DATA_ROOT = '/var/lib/wslab-swarm';

/** A dockerd running inside one lab host's network namespace, stopped by its pid. */
export class HostEngine {
  readonly docker: Docker;
  private constructor(
    readonly host: LabHost,
    readonly runDir: string,
    readonly dataRoot: string,
    private readonly child: ChildProcess,
    private exited: () => string | undefined,
  ) {
    this.docker = new Docker({ socketPath: `${runDir}/docker.sock` });
  }

  /**
   * Starts dockerd with `nsenter --net` (an `ip netns exec` remounts /sys, hiding the cgroup
   * mounts: "Devices cgroup isn't mounted"), its own data and exec roots, containerd namespace,
   * and docker0/pool subnets from topology/subnets.ts; waits until its API answers (60 s).
   */
  static async start(host: LabHost): Promise<HostEngine> {
    const runDir = `${SWARM_RUN_ROOT}/${host.name}`;
    const dataRoot = `${SWARM_DATA_ROOT}/${host.name}`;
    mkdirSync(runDir, { recursive: true });
    const subnets = swarmHostSubnets(host.index);
    const logFd = openSync(`${runDir}/dockerd.log`, 'a');
    const child = spawn(
      'nsenter',
      [
        `--net=${host.netnsPath}`,
        'dockerd',
        '-H',
        `unix://${runDir}/docker.sock`,
        '--data-root',
        dataRoot,
        '--exec-root',
        `${runDir}/exec`,
        '--pidfile',
        `${runDir}/dockerd.pid`,
        '--containerd-namespace',
        `wslab-swarm-${host.name}`,
        '--containerd-plugins-namespace',
        `wslab-swarm-${host.name}-plugins`,
        '--bip',
        subnets.bip,
        '--default-address-pool',
        `base=${subnets.pool},size=${subnets.poolSize}`,
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    let exited: string | undefined;
    child.on('exit', (code, signal) => {
      exited = `dockerd on ${host.name} exited (${code ?? signal}); see ${runDir}/dockerd.log`;
    });
    const engine = new HostEngine(host, runDir, dataRoot, child, () => exited);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`${exited}:\n${tail(`${runDir}/dockerd.log`)}`);
      try {
        await engine.docker.ping();
        return engine;
      } catch {
        if (Date.now() > deadline) {
          await engine.kill();
          throw new Error(
            `dockerd on ${host.name} did not answer within 60 s:\n${tail(`${runDir}/dockerd.log`)}`,
          );
        }
        await sleep(250);
      }
    }
  }

  get running(): boolean {
    return this.exited() === undefined;
  }

  /** The host lost: dockerd and its containerd killed at once, no clean leave. */
  async kill(): Promise<void> {
    const containerd = this.containerdPid();
    if (this.running) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await gone;
    }
    if (containerd !== undefined) killPid(containerd);
  }

  /** A clean stop (SIGTERM, 30 s, then SIGKILL), then its files removed. */
  async stop(): Promise<void> {
    if (this.running) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([gone, sleep(30_000).then(() => this.kill())]);
    }
    const containerd = this.containerdPid();
    if (containerd !== undefined) killPid(containerd);
  }

  /**
   * Unmounts what dockerd left mounted under its roots (a killed dockerd leaves its data root
   * bind-mounted on itself), deepest first, then removes both.
   */
  removeFiles(): void {
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((path) =>
        [this.runDir, this.dataRoot].some((root) => path === root || path.startsWith(`${root}/`)),
      )
      .sort((a, b) => b.length - a.length);
    for (const path of mounts) spawnSync('umount', ['-l', path]);
    rmSync(this.runDir, { recursive: true, force: true });
    rmSync(this.dataRoot, { recursive: true, force: true });
  }

  /** dockerd's own containerd (it writes its pid under the exec root). */
  private containerdPid(): number | undefined {
    const path = `${this.runDir}/exec/containerd/containerd.pid`;
    if (!existsSync(path)) return undefined;
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
