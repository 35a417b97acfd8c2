import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasCaps, ProcessCgroup, type ResourceCaps } from './cgroup.js';

export interface ManagedProcessOptions {
  /** Name used for the log file (`<logDir>/<name>.log`) and in errors. */
  name: string;
  command: string;
  args: string[];
  /** Directory for the combined stdout/stderr log. Created if missing. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * CPU and memory caps: the process runs in its own cgroup (runtime/cgroup.ts), joined before
   * its program starts. Where no cgroup is usable it runs uncapped (`cgroup` stays undefined).
   */
  caps?: ResourceCaps;
  /**
   * The lab host it runs on (runtime/hosts/): started in the host's network namespace
   * (`nsenter --net=…`, same pid) and, where cgroups are usable, in a cgroup under the host's
   * CPU budget. Unset: this machine's namespace, as before.
   */
  host?: ProcessHost;
}

/** Where a process runs when it is not on this machine's own network: what runtime/hosts/ gives. */
export interface ProcessHost {
  readonly name: string;
  /** Its address: what a process on it binds to and others dial. */
  readonly address: string;
  /** `/run/netns/<namespace>` */
  readonly netnsPath: string;
  /** The host's budget; each process on the host gets its own cgroup inside it. */
  readonly cgroup: ProcessCgroup | undefined;
}

/** How a process ended. `oomKilled`: the kernel ended it at its cgroup's memory limit. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  oomKilled?: boolean;
}

/**
 * Every process started through this module, so a crash or exit of the
 * parent (test runner, lab) can still stop them: tests leave nothing running.
 */
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is the only sure stop here.
  process.on('exit', () => {
    for (const managed of live) managed.killNow('SIGKILL');
  });
}

/** A child process we started, stopped only by the pid we started. */
export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or null) and signal once the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** The cgroup holding the caps, or undefined (no caps asked, or no cgroup usable: uncapped). */
  readonly cgroup: ProcessCgroup | undefined;
  private exitInfo: ExitInfo | undefined;

  constructor(options: ManagedProcessOptions) {
    installExitHook();
    mkdirSync(options.logDir, { recursive: true });
    this.name = options.name;
    this.logPath = join(options.logDir, `${options.name}.log`);
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const parent = options.host?.cgroup;
    this.cgroup =
      hasCaps(options.caps) || parent
        ? ProcessCgroup.create(options.name, options.caps ?? {}, parent?.support, parent)
        : undefined;
    const capped = this.cgroup
      ? this.cgroup.wrap(options.command, options.args)
      : { command: options.command, args: options.args };
    // nsenter joins the namespace and execs (no fork for a network namespace): the pid stays ours
    const { command, args } = options.host
      ? { command: 'nsenter', args: [`--net=${options.host.netnsPath}`, capped.command, ...capped.args] }
      : capped;
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        const oomKilled = signal === 'SIGKILL' && (this.cgroup?.oomKills() ?? 0) > 0;
        this.exitInfo = { code, signal, ...(oomKilled ? { oomKilled } : {}) };
        live.delete(this);
        if (!oomKilled) {
          this.removeCgroupThen(resolve);
          return;
        }
        // `exited` resolves once the line is in the log: whoever reads the log next must see why.
        const line = `wslab: ${this.name} ${describeExit({ code, signal, oomKilled }, options.caps)}\n`;
        log.write(line, () => this.removeCgroupThen(resolve));
      });
      this.child.once('error', (error) => {
        log.write(`spawn error: ${error.message}\n`);
        this.exitInfo = { code: null, signal: null };
        live.delete(this);
        this.removeCgroupThen(resolve);
      });
    });
    // Close the log only after both pipes are done, or late lines are lost.
    // 'close' fires once stdout/stderr have ended too: ending at 'exit' lost the race
    // with a pipe still draining (write after end, seen with a SIGSTOPped then SIGKILLed child).
    const endLog = () => {
      if (!log.writableEnded) log.end();
    };
    this.child.once('close', endLog);
    this.child.once('error', endLog);
    live.add(this);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: process did not start`);
    return this.child.pid;
  }

  /** Resolves `exited` once the cgroup (if any) is gone, so a stopped process leaves nothing behind. */
  private removeCgroupThen(resolve: (info: ExitInfo) => void): void {
    const info = this.exitInfo!;
    if (!this.cgroup) {
      resolve(info);
      return;
    }
    void this.cgroup.remove().finally(() => resolve(info));
  }

  /** How the process ended, in words ("killed by the kernel: memory limit 64 MiB"); undefined while running. */
  get exitReason(): string | undefined {
    return this.exitInfo && describeExit(this.exitInfo, this.cgroup?.caps);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Sends a signal now (no wait). Safe on an exited process. */
  killNow(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /**
   * Stops the process: `signal` (default SIGTERM), then SIGKILL after
   * `graceMs` if it is still running. Resolves once it has exited.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.killNow(signal);
    const outcome = await Promise.race([
      this.exited.then(() => 'exited' as const),
      sleep(graceMs, 'timeout' as const),
    ]);
    if (outcome === 'timeout') {
      this.killNow('SIGKILL');
      await this.exited;
    }
  }
}

/** One line for how a process ended. */
export function describeExit(info: ExitInfo, caps?: ResourceCaps): string {
  if (info.oomKilled) return `killed by the kernel: memory limit ${caps?.memoryMiB ?? '?'} MiB`;
  if (info.signal !== null) return `ended by ${info.signal}`;
  return `exited with code ${info.code}`;
}

/** Stops every process still running that this module started (used in test teardown). */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((managed) => managed.stop('SIGTERM', graceMs)));
}

/** Count of processes started here that are still running. */
export function liveProcessCount(): number {
  return live.size;
}
