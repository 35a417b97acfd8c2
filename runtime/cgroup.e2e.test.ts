import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupSupport } from './cgroup-support.js';
import { Topology } from './local/local-topology.js';
import { ManagedProcess, stopAll } from './managed-process.js';

// Real cgroups: the lab runs as root on a host with the v1 cpu/cpuacct/memory controllers (or
// delegated v2). Without them these tests fail on purpose: the caps would silently not apply.
let logDir: string;
beforeAll(() => {
  logDir = mkdtempSync(join(tmpdir(), 'wslab-cgroup-e2e-'));
  const support = cgroupSupport();
  if (support.kind === 'none') throw new Error(`cgroups needed for these tests: ${support.reason}`);
});
afterAll(async () => {
  await stopAll(1_000);
  rmSync(logDir, { recursive: true, force: true });
});

/** The cgroup path of `pid` for a v1 controller (or the v2 one). */
function cgroupOf(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const line =
    lines.find((entry) => entry.split(':')[1]?.split(',').includes(controller)) ??
    lines.find((entry) => entry.startsWith('0::'));
  return line?.split(':')[2] ?? '';
}

describe('cgroup caps on real processes', () => {
  it('keeps a busy process within its CPU cap (+5%), and its cgroup is gone after stop', async () => {
    // Two busy threads (main + worker) would take two cores: the cap allows a quarter of one.
    const busy = new ManagedProcess({
      name: 'busy',
      command: process.execPath,
      args: ['-e', "new (require('node:worker_threads').Worker)('for(;;){}', { eval: true }); for(;;){}"],
      logDir,
      caps: { cpuCores: 0.25 },
    });
    const cgroup = busy.cgroup!;
    await sleep(500); // past start-up (and the shell's join)
    expect(cgroupOf(busy.pid, 'cpu')).toContain('wslab-');
    const startCpuS = cgroup.cpuUsageSeconds();
    const startMs = Date.now();
    await sleep(3_000);
    const usedCores = (cgroup.cpuUsageSeconds() - startCpuS) / ((Date.now() - startMs) / 1000);
    expect(usedCores).toBeLessThanOrEqual(0.25 * 1.05);
    expect(usedCores).toBeGreaterThan(0.2); // it did want more: held at the cap, not idle
    await busy.stop('SIGKILL');
    for (const dir of cgroup.dirs) expect(existsSync(dir)).toBe(false);
  });

  it('ends a process at its memory limit the way the kernel does, and says so', async () => {
    const hog = new ManagedProcess({
      name: 'hog',
      command: process.execPath,
      // touches 16 MiB per step (filled buffers are resident) until the limit stops it
      args: ['-e', 'const a = []; setInterval(() => a.push(Buffer.alloc(16 << 20, 1)), 10);'],
      logDir,
      caps: { memoryMiB: 96 },
    });
    const cgroup = hog.cgroup!;
    const exit = await hog.exited;
    expect(exit).toEqual({ code: null, signal: 'SIGKILL', oomKilled: true });
    expect(hog.exitReason).toBe('killed by the kernel: memory limit 96 MiB');
    expect(readFileSync(hog.logPath, 'utf8')).toContain('hog killed by the kernel: memory limit 96 MiB');
    for (const dir of cgroup.dirs) expect(existsSync(dir)).toBe(false);
  });

  it('a process we SIGKILL ourselves is not reported as an OOM kill', async () => {
    const idle = new ManagedProcess({
      name: 'idle',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      logDir,
      caps: { memoryMiB: 96 },
    });
    await sleep(200);
    await idle.stop('SIGKILL');
    expect(await idle.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(idle.exitReason).toBe('ended by SIGKILL');
  });

  it('puts every process of a capped topology in its own cgroup with the spec caps', async () => {
    const topology = await Topology.start({
      dir: join(logDir, 'topology'),
      proxy: 'haproxy',
      replicas: 1,
      redisMode: 'single',
      logLevel: 'warn',
      replicaCpuCores: 0.5,
      replicaMemoryMiB: 256,
      redisCpuCores: 0.5,
      proxyCpuCores: 0.25,
    });
    const processes = topology.processes();
    try {
      const [redis, replica, proxy] = processes.map((managed) => managed.cgroup!);
      // the spec's CFS period (default Docker's 100 ms) with every CPU cap
      expect(replica!.caps).toMatchObject({ cpuCores: 0.5, memoryMiB: 256, cpuPeriodUs: 100_000 });
      expect(redis!.caps).toMatchObject({ cpuCores: 0.5, memoryMiB: undefined, cpuPeriodUs: 100_000 });
      expect(proxy!.caps).toMatchObject({ cpuCores: 0.25, memoryMiB: undefined, cpuPeriodUs: 100_000 });
      const paths = processes.map((managed) => cgroupOf(managed.pid, 'cpu'));
      expect(new Set(paths).size).toBe(3);
      for (const path of paths) expect(path).toContain('wslab-');
      // HAProxy's worker is inside its master's cgroup (joined before exec, inherited on fork)
      const workers = await topology.proxy('haproxy').handle.workerPids();
      for (const worker of workers) expect(cgroupOf(worker, 'cpu')).toBe(paths[2]);
    } finally {
      await topology.stop();
    }
    for (const managed of processes)
      for (const dir of managed.cgroup!.dirs) expect(existsSync(dir)).toBe(false);
  });
});
