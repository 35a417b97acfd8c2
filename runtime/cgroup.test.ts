import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CFS_PERIOD_US, ProcessCgroup, parseCpuThrottle } from './cgroup.js';
import { cgroupSupport, detectCgroups, setCgroupSupportForTests } from './cgroup-support.js';
import { ManagedProcess } from './managed-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wslab-cgroup-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  setCgroupSupportForTests(undefined);
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake cgroup v1 tree (plain directories) and a /proc/self/cgroup that places us in it. */
function fakeV1Root(): { root: string; procSelf: string } {
  const root = tempDir();
  for (const controller of ['cpu', 'cpuacct']) mkdirSync(join(root, controller));
  mkdirSync(join(root, 'memory', 'sandbox', 'me'), { recursive: true });
  const procSelf = join(root, 'self-cgroup');
  writeFileSync(procSelf, '4:memory:/sandbox/me\n2:cpuacct:/\n1:cpu:/\n0::/\n');
  return { root, procSelf };
}

describe('detectCgroups', () => {
  it('falls back to none, with the reason, when no hierarchy is usable', () => {
    const root = tempDir();
    const procSelf = join(root, 'self-cgroup');
    writeFileSync(procSelf, '0::/\n');
    const support = detectCgroups(join(root, 'missing'), procSelf);
    expect(support.kind).toBe('none');
    expect(support.kind === 'none' && support.reason).toContain('cannot create v1 cgroups');
  });

  it('uses v1 under the cgroup this process is in, per controller', () => {
    const { root, procSelf } = fakeV1Root();
    expect(detectCgroups(root, procSelf)).toEqual({
      kind: 'v1',
      dirs: {
        cpu: join(root, 'cpu'),
        cpuacct: join(root, 'cpuacct'),
        memory: join(root, 'memory/sandbox/me'),
      },
    });
  });

  it('prefers v2 when cpu and memory are delegated to our cgroup', () => {
    const root = tempDir();
    mkdirSync(join(root, 'unified', 'lab'), { recursive: true });
    writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(root, 'unified', 'lab', 'cgroup.subtree_control'), 'cpu memory\n');
    const procSelf = join(root, 'self-cgroup');
    writeFileSync(procSelf, '0::/lab\n');
    expect(detectCgroups(root, procSelf)).toEqual({ kind: 'v2', dir: join(root, 'unified', 'lab') });
  });

  it('ignores v2 without delegated controllers (this machine: hugetlb only)', () => {
    const { root, procSelf } = fakeV1Root();
    mkdirSync(join(root, 'unified'));
    writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'hugetlb\n');
    writeFileSync(join(root, 'unified', 'cgroup.subtree_control'), '\n');
    expect(detectCgroups(root, procSelf).kind).toBe('v1');
  });
});

describe('ProcessCgroup caps', () => {
  it('writes the CFS quota and the memory (+swap) limit a container would get', () => {
    const { root, procSelf } = fakeV1Root();
    const support = detectCgroups(root, procSelf);
    const cgroup = ProcessCgroup.create('r1', { cpuCores: 0.25, memoryMiB: 256 }, support)!;
    const [cpu, , memory] = cgroup.dirs as [string, string, string];
    expect(readFileSync(join(cpu, 'cpu.cfs_period_us'), 'utf8')).toBe(String(CFS_PERIOD_US));
    expect(readFileSync(join(cpu, 'cpu.cfs_quota_us'), 'utf8')).toBe('25000');
    expect(readFileSync(join(memory, 'memory.limit_in_bytes'), 'utf8')).toBe(String(256 * 1024 * 1024));
    expect(cgroup.wrap('node', ['-e', '1']).args.slice(-3)).toEqual(['node', '-e', '1']);
  });

  it('writes cpu.max, memory.max and no swap on v2', () => {
    const dir = tempDir();
    const cgroup = ProcessCgroup.create('r1', { cpuCores: 1.5, memoryMiB: 64 }, { kind: 'v2', dir })!;
    expect(readFileSync(join(cgroup.dirs[0]!, 'cpu.max'), 'utf8')).toBe(`150000 ${CFS_PERIOD_US}`);
    expect(readFileSync(join(cgroup.dirs[0]!, 'memory.max'), 'utf8')).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(cgroup.dirs[0]!, 'memory.swap.max'), 'utf8')).toBe('0');
  });

  it('counts the quota in the spec’s period, and changes both on a running cgroup', () => {
    const dir = tempDir();
    const cgroup = ProcessCgroup.create('r1', { cpuCores: 0.25, cpuPeriodUs: 20_000 }, { kind: 'v2', dir })!;
    expect(readFileSync(join(cgroup.dirs[0]!, 'cpu.max'), 'utf8')).toBe('5000 20000');
    cgroup.setCpu(0.1);
    expect(readFileSync(join(cgroup.dirs[0]!, 'cpu.max'), 'utf8')).toBe('2000 20000');
    cgroup.setCpu(0.1, 100_000);
    expect(readFileSync(join(cgroup.dirs[0]!, 'cpu.max'), 'utf8')).toBe('10000 100000');
    expect(cgroup.caps).toMatchObject({ cpuCores: 0.1, cpuPeriodUs: 100_000 });
  });
});

describe('CFS throttling counters', () => {
  it('reads periods, throttled periods and time from cpu.stat (v1 ns, v2 µs)', () => {
    const v1 = 'nr_periods 1200\nnr_throttled 300\nthrottled_time 4500000000\nnr_bursts 0\n';
    expect(parseCpuThrottle(v1, 'v1')).toEqual({ periods: 1200, throttledPeriods: 300, throttledS: 4.5 });
    const v2 = 'usage_usec 9\nnr_periods 10\nnr_throttled 4\nthrottled_usec 250000\n';
    expect(parseCpuThrottle(v2, 'v2')).toEqual({ periods: 10, throttledPeriods: 4, throttledS: 0.25 });
  });

  it('reads zeros where there is no cpu.stat (a cgroup gone with its process)', () => {
    const dir = tempDir();
    const cgroup = ProcessCgroup.create('r1', { cpuCores: 0.5 }, { kind: 'v2', dir })!;
    expect(cgroup.cpuThrottle()).toEqual({ periods: 0, throttledPeriods: 0, throttledS: 0 });
    writeFileSync(join(cgroup.dirs[0]!, 'cpu.stat'), 'nr_periods 7\nnr_throttled 7\nthrottled_usec 1000\n');
    expect(cgroup.cpuThrottle()).toEqual({ periods: 7, throttledPeriods: 7, throttledS: 0.001 });
  });
});

describe('uncapped fallback', () => {
  it('runs the process uncapped and says so once', async () => {
    setCgroupSupportForTests({ kind: 'none', reason: 'test: no cgroup root' });
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    expect(cgroupSupport().kind).toBe('none');
    const logDir = tempDir();
    const first = new ManagedProcess({
      name: 'uncapped-1',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      logDir,
      caps: { cpuCores: 0.25, memoryMiB: 64 },
    });
    const second = new ManagedProcess({
      name: 'uncapped-2',
      command: process.execPath,
      args: ['-e', 'process.exit(4)'],
      logDir,
      caps: { cpuCores: 0.25 },
    });
    expect(first.cgroup).toBeUndefined();
    expect(await first.exited).toEqual({ code: 3, signal: null });
    expect(await second.exited).toEqual({ code: 4, signal: null });
    expect(first.exitReason).toBe('exited with code 3');
    const warnings = writes.filter((line) => line.includes('run uncapped'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('test: no cgroup root');
    expect(existsSync(logDir)).toBe(true);
  });
});
