/**
 * CPU and memory caps for the processes the lab starts, with Linux cgroups: the same CFS quota
 * and memory limit a container's `--cpus` / `--memory` set. cgroup v2 where its `cpu` and
 * `memory` controllers are usable, else v1 `cpu` + `cpuacct` + `memory`, else none (the process
 * runs uncapped and the caller says so). One cgroup per process; the process joins it before
 * its program runs (a shell writes its own pid, then execs), so every child it forks is inside.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuQuotaUs } from '../topology/spec.js';
import { CGROUP_NAME_PREFIX, type CgroupSupport, cgroupSupport } from './cgroup-support.js';
import { isAlive } from './proc.js';

/** What a process may use (unset = no cap on that resource). */
export interface ResourceCaps {
  cpuCores?: number | undefined;
  memoryMiB?: number | undefined;
  /** CFS period the quota is counted in (unset: 100 ms, the kernel's and Docker's default). */
  cpuPeriodUs?: number | undefined;
}

/** CFS throttling counters of a cgroup (`cpu.stat`): periods run, periods throttled, time held. */
export interface CpuThrottle {
  periods: number;
  throttledPeriods: number;
  throttledS: number;
}

/** CFS period: the kernel's default, and Docker's for `--cpus`. */
export const CFS_PERIOD_US = 100_000;

export function hasCaps(caps: ResourceCaps | undefined): caps is ResourceCaps {
  return caps !== undefined && (caps.cpuCores !== undefined || caps.memoryMiB !== undefined);
}

let sequence = 0;
let staleSwept = false;

/** One process's cgroup(s): caps written at creation, removed once the process has exited. */
export class ProcessCgroup {
  private constructor(
    readonly support: Exclude<CgroupSupport, { kind: 'none' }>,
    /** The directory per controller (one for v2). */
    readonly dirs: string[],
    /** The caps in force (setCpu changes the CPU ones). */
    public caps: ResourceCaps,
  ) {}

  /**
   * Makes the cgroup and writes the caps; undefined when no cgroup is usable (runs uncapped).
   * With `parent` (a lab host's budget) it is made inside it: the parent's caps bound it too.
   */
  static create(
    name: string,
    caps: ResourceCaps,
    support = cgroupSupport(),
    parent?: ProcessCgroup,
  ): ProcessCgroup | undefined {
    if (support.kind === 'none') return undefined;
    if (!staleSwept) {
      staleSwept = true;
      removeStaleCgroups(support);
    }
    sequence += 1;
    const leaf = `${CGROUP_NAME_PREFIX}${process.pid}-${sequence}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    const parents =
      parent?.dirs ??
      (support.kind === 'v2' ? [support.dir] : [support.dirs.cpu, support.dirs.cpuacct, support.dirs.memory]);
    const dirs = parents.map((dir) => join(dir, leaf));
    const cgroup = new ProcessCgroup(support, dirs, caps);
    try {
      for (const dir of dirs) mkdirSync(dir);
      cgroup.writeCaps();
    } catch (error) {
      cgroup.removeNow();
      throw new Error(`cgroup for ${name}: ${(error as Error).message}`);
    }
    return cgroup;
  }

  /**
   * A cgroup that holds other processes' cgroups (a lab host's CPU and memory budget). On v2 its
   * children get the cpu and memory controllers too (a v2 cgroup with children holds no process).
   */
  static createParent(
    name: string,
    caps: ResourceCaps,
    support = cgroupSupport(),
  ): ProcessCgroup | undefined {
    const cgroup = ProcessCgroup.create(name, caps, support);
    if (cgroup?.support.kind === 'v2') {
      try {
        writeFileSync(join(cgroup.dirs[0]!, 'cgroup.subtree_control'), '+cpu +memory');
      } catch (error) {
        cgroup.removeNow();
        throw new Error(`cgroup for ${name}: ${(error as Error).message}`);
      }
    }
    return cgroup;
  }

  private file(controller: 'cpu' | 'cpuacct' | 'memory', name: string): string {
    if (this.support.kind === 'v2') return join(this.dirs[0]!, name);
    const index = { cpu: 0, cpuacct: 1, memory: 2 }[controller];
    return join(this.dirs[index]!, name);
  }

  private writeCaps(): void {
    const { cpuCores, memoryMiB } = this.caps;
    if (cpuCores !== undefined) this.writeCpu(cpuCores, this.caps.cpuPeriodUs ?? CFS_PERIOD_US);
    const limitBytes = memoryMiB === undefined ? undefined : memoryMiB * 1024 * 1024;
    if (this.support.kind === 'v2') {
      if (limitBytes !== undefined) {
        writeFileSync(this.file('memory', 'memory.max'), String(limitBytes));
        // no swap: at the limit the process is killed, as a container with --memory-swap = --memory
        writeFileSync(this.file('memory', 'memory.swap.max'), '0');
      }
      return;
    }
    if (limitBytes !== undefined) {
      writeFileSync(this.file('memory', 'memory.limit_in_bytes'), String(limitBytes));
      // memory+swap at the same value (after the memory limit: memsw may never be below it)
      const memsw = this.file('memory', 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) writeFileSync(memsw, String(limitBytes));
    }
  }

  /** Writes the CFS quota for `cpuCores` per `periodUs` (as Docker's `--cpu-quota` / `--cpu-period`). */
  private writeCpu(cpuCores: number, periodUs: number): void {
    const quotaUs = cpuQuotaUs(cpuCores, periodUs);
    if (this.support.kind === 'v2') {
      writeFileSync(this.file('cpu', 'cpu.max'), `${quotaUs} ${periodUs}`);
      return;
    }
    // v1 checks quota against the period in place: lower the quota first, then set both
    writeFileSync(this.file('cpu', 'cpu.cfs_quota_us'), '-1');
    writeFileSync(this.file('cpu', 'cpu.cfs_period_us'), String(periodUs));
    writeFileSync(this.file('cpu', 'cpu.cfs_quota_us'), String(quotaUs));
  }

  /**
   * Changes the CPU cap of the running cgroup (the scale experiment sizes replicas from a budget
   * measured after they started, and compares CFS periods at one quota).
   */
  setCpu(cpuCores: number, periodUs = this.caps.cpuPeriodUs ?? CFS_PERIOD_US): void {
    this.writeCpu(cpuCores, periodUs);
    this.caps = { ...this.caps, cpuCores, cpuPeriodUs: periodUs };
  }

  /** The CFS throttling counters so far (zeros when unreadable: uncapped or gone). */
  cpuThrottle(): CpuThrottle {
    try {
      return parseCpuThrottle(readFileSync(this.file('cpu', 'cpu.stat'), 'utf8'), this.support.kind);
    } catch {
      return { periods: 0, throttledPeriods: 0, throttledS: 0 };
    }
  }

  /** The `cgroup.procs` files the process writes its pid into. */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, 'cgroup.procs'));
  }

  /**
   * The command that joins this cgroup and then runs `command args`: `sh` writes its own pid
   * and execs, so the program (same pid) and everything it forks start inside the caps.
   */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] } {
    const joins = this.procsFiles.map((file) => `echo $$ > '${file}'`).join(' && ');
    return { command: '/bin/sh', args: ['-c', `${joins} && exec "$@"`, 'wslab-cgroup', command, ...args] };
  }

  /** CPU time used by every process that ran in the cgroup, in seconds. */
  cpuUsageSeconds(): number {
    try {
      if (this.support.kind === 'v2') {
        const stat = readFileSync(this.file('cpu', 'cpu.stat'), 'utf8');
        return Number(/usage_usec (\d+)/.exec(stat)?.[1] ?? 0) / 1e6;
      }
      return Number(readFileSync(this.file('cpuacct', 'cpuacct.usage'), 'utf8')) / 1e9;
    } catch {
      return 0;
    }
  }

  /** Memory charged to the cgroup now (what the limit is compared with), in bytes. */
  memoryUsageBytes(): number | undefined {
    const name = this.support.kind === 'v2' ? 'memory.current' : 'memory.usage_in_bytes';
    try {
      return Number(readFileSync(this.file('memory', name), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Times the kernel's OOM killer ended a process of this cgroup at its memory limit. */
  oomKills(): number {
    try {
      const text =
        this.support.kind === 'v2'
          ? readFileSync(this.file('memory', 'memory.events'), 'utf8')
          : readFileSync(this.file('memory', 'memory.oom_control'), 'utf8');
      return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  /** Removes the cgroup directories (each must be empty: call after the process has exited). */
  removeNow(): boolean {
    let removed = true;
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') removed = false;
      }
    }
    return removed;
  }

  /** Removes the cgroup, retrying while the last exiting children leave it (EBUSY). */
  async remove(timeoutMs = 3_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.removeNow()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }
}

/** `cpu.stat`'s throttling lines: v2 counts `throttled_usec`, v1 `throttled_time` in ns. */
export function parseCpuThrottle(text: string, kind: 'v1' | 'v2'): CpuThrottle {
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    periods: field('nr_periods'),
    throttledPeriods: field('nr_throttled'),
    throttledS: kind === 'v2' ? field('throttled_usec') / 1e6 : field('throttled_time') / 1e9,
  };
}

/**
 * Removes empty cgroups left by an earlier lab process that died before its cleanup (named
 * `wslab-<pid>-…`, the pid no longer alive). Returns how many were removed.
 */
export function removeStaleCgroups(support = cgroupSupport()): number {
  if (support.kind === 'none') return 0;
  const parents = support.kind === 'v2' ? [support.dir] : Object.values(support.dirs);
  let removed = 0;
  for (const parent of parents) {
    let names: string[];
    try {
      names = readdirSync(parent).filter((name) => name.startsWith(CGROUP_NAME_PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const ownerPid = Number(name.slice(CGROUP_NAME_PREFIX.length).split('-')[0]);
      if (!Number.isInteger(ownerPid) || ownerPid <= 0 || isAlive(ownerPid)) continue;
      removed += removeTree(join(parent, name));
    }
  }
  return removed;
}

/** Removes an empty cgroup and its empty `wslab-` children (a lab host's), deepest first; returns how many went. */
function removeTree(dir: string): number {
  let removed = 0;
  try {
    for (const child of readdirSync(dir, { withFileTypes: true })) {
      if (child.isDirectory() && child.name.startsWith(CGROUP_NAME_PREFIX))
        removed += removeTree(join(dir, child.name));
    }
    rmdirSync(dir);
    return removed + 1;
  } catch {
    // still has a process (or not ours to remove): leave it
    return removed;
  }
}
