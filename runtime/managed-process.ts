import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcessOptions {
  /** Name used for the log file (`<logDir>/<name>.log`) and in errors. */
  name: string;
  command: string;
  args: string[];
  /** Directory for the combined stdout/stderr log. Created if missing. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
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
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(options: ManagedProcessOptions) {
    installExitHook();
    mkdirSync(options.logDir, { recursive: true });
    this.name = options.name;
    this.logPath = join(options.logDir, `${options.name}.log`);
    const log = createWriteStream(this.logPath, { flags: 'a' });
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
      this.child.once('error', (error) => {
        log.write(`spawn error: ${error.message}\n`);
        this.exitInfo = { code: null, signal: null };
        live.delete(this);
        resolve(this.exitInfo);
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

/** Stops every process still running that this module started (used in test teardown). */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((managed) => managed.stop('SIGTERM', graceMs)));
}

/** Count of processes started here that are still running. */
export function liveProcessCount(): number {
  return live.size;
}
