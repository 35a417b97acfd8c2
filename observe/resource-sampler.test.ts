import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManagedProcess, stopAll } from '../runtime/managed-process.js';
import { waitFor } from '../runtime/wait-for.js';
import { MachineCpuMeter } from './machine-cpu.js';
import { CLOCK_TICKS_PER_S, PAGE_SIZE_BYTES, parseProcStat, processTree, readAllProcStats } from './proc.js';
import { ResourceSampler } from './resource-sampler.js';
import type { ResourcePass, SampledComponent } from './samples.js';
import { UsageRecorder } from './usage-recorder.js';

const logDir = join(tmpdir(), 'wslab-sampler-test');

afterAll(async () => {
  await stopAll();
});

/** A node child that burns CPU for `busyMs` (in itself, or in a forked worker), then idles. */
function startNode(name: string, script: string): ManagedProcess {
  return new ManagedProcess({ name, command: process.execPath, args: ['-e', script], logDir });
}

/** Burns `ms` of CPU time (not wall time: the machine is shared), then idles. */
const burn = (ms: number) =>
  `const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; }; ` +
  `const start = u(); while (u() - start < ${ms}) {} setInterval(() => {}, 1000);`;

/** CPU ticks used so far by each pid's process tree. */
async function ticksOf(pids: number[]): Promise<number[]> {
  const stats = await readAllProcStats();
  return pids.map((pid) => processTree(pid, stats).reduce((sum, stat) => sum + stat.cpuTicks, 0));
}

/** Waits until `pid` (and its children) has used at least `seconds` of CPU since `fromTicks`. */
async function cpuReached(pid: number, fromTicks: number, seconds: number): Promise<void> {
  await waitFor(
    async () => {
      const [ticks] = await ticksOf([pid]);
      return ticks! - fromTicks >= seconds * CLOCK_TICKS_PER_S;
    },
    { timeoutMs: 15_000, description: `pid ${pid} used ${seconds} CPU-s` },
  );
}

describe('parseProcStat', () => {
  it('counts fields after the last parenthesis, so odd command names parse', () => {
    const line =
      '4242 (we ird) (x)) S 17 4242 4242 0 -1 4194304 103 0 0 0 250 50 0 0 20 0 1 0 82820 3133440 1000 1844';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      parentPid: 17,
      cpuTicks: 300,
      rssBytes: 1000 * PAGE_SIZE_BYTES,
    });
  });
});

describe('processTree', () => {
  it('collects descendants but not the subtrees measured on their own', () => {
    const stat = (pid: number, parentPid: number) => ({ pid, parentPid, cpuTicks: 0, rssBytes: 0 });
    // 1 (lab) → 2 (replica) → 3 ; 1 → 4 (load shard)
    const stats = [stat(1, 0), stat(2, 1), stat(3, 2), stat(4, 1)];
    expect(processTree(1, stats).map((s) => s.pid)).toEqual([1, 2, 4, 3]);
    expect(processTree(1, stats, new Set([1, 2])).map((s) => s.pid)).toEqual([1, 4]);
    expect(processTree(9, stats)).toEqual([]);
  });
});

describe('ResourceSampler', () => {
  it('measures CPU and RSS per component, including forked workers', async () => {
    const busy = startNode('busy', burn(5_000));
    const idle = startNode('idle', 'setInterval(() => {}, 1000);');
    // a parent that forks a busy worker, like nginx or haproxy -W
    const parent = startNode(
      'parent',
      `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burn(5_000))}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`,
    );
    await waitFor(async () => processTree(parent.pid, await readAllProcStats()).length === 2, {
      description: 'worker forked',
    });
    const sampler = new ResourceSampler({ intervalMs: 100 });
    sampler.track({ component: 'busy', kind: 'replica', pid: busy.pid });
    sampler.track({ component: 'idle', kind: 'redis', pid: idle.pid });
    sampler.track({ component: 'parent', kind: 'nginx', pid: parent.pid });
    const recorder = new UsageRecorder(sampler);
    await recorder.start();
    // the sampler's baseline is its first pass: wait for 0.4 CPU-s past it
    const baseline = await ticksOf([busy.pid, parent.pid]);
    await cpuReached(busy.pid, baseline[0]!, 0.4);
    await cpuReached(parent.pid, baseline[1]!, 0.4);
    await waitFor(() => sampler.passes >= 5, { description: '5 samples' });
    const usage = await recorder.stop();
    const byName = new Map(usage.map((entry) => [entry.component, entry]));
    expect(byName.get('busy')!.cpuSeconds).toBeGreaterThanOrEqual(0.4);
    expect(byName.get('parent')!.cpuSeconds).toBeGreaterThanOrEqual(0.4);
    expect(byName.get('idle')!.cpuSeconds).toBeLessThan(0.1);
    expect(byName.get('busy')!.cpuPercentMax).toBeGreaterThan(10);
    // stop the tree, grandchild included (it would outlive its parent)
    const tree = processTree(parent.pid, await readAllProcStats());
    for (const stat of tree) process.kill(stat.pid, 'SIGKILL');
    await Promise.all([busy, idle, parent].map((managed) => managed.stop('SIGKILL')));
    await waitFor(async () => (await ticksOf(tree.map((stat) => stat.pid))).every((ticks) => ticks === 0), {
      description: 'tree gone',
    });
    for (const entry of usage) {
      expect(entry.rssMaxBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(entry.samples.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('keeps the figures of a component that exits mid-run', async () => {
    const doomed = startNode('doomed', burn(5_000));
    const sampler = new ResourceSampler({ intervalMs: 50 });
    sampler.track({ component: 'doomed', kind: 'replica', pid: doomed.pid });
    const recorder = new UsageRecorder(sampler);
    await recorder.start();
    const [doomedBaseline] = await ticksOf([doomed.pid]);
    await cpuReached(doomed.pid, doomedBaseline!, 0.2);
    // a full pass after the threshold, so the sampler has seen that CPU before the kill
    const passesAtThreshold = sampler.passes;
    await waitFor(() => sampler.passes >= passesAtThreshold + 2, { description: 'two more samples' });
    doomed.killNow('SIGKILL');
    await doomed.exited;
    const [usage] = await recorder.stop();
    expect(usage!.cpuSeconds).toBeGreaterThanOrEqual(0.2);
  });
});

describe('one sample stream', () => {
  it('hands every pass to every subscriber and polls only while someone listens', async () => {
    const components: SampledComponent[] = [{ component: 'self', kind: 'lab', pid: process.pid }];
    const sampler = new ResourceSampler({ intervalMs: 30, components: () => components });
    const live: ResourcePass[] = [];
    const unsubscribe = sampler.subscribe((pass) => live.push(pass));
    const recorder = new UsageRecorder(sampler);
    await recorder.start();
    await waitFor(() => live.length >= 3, { description: 'three passes' });
    // a component started mid-run (an added replica) is watched from the next pass
    const late = startNode('late', 'setInterval(() => {}, 1000);');
    components.push({ component: 'late', kind: 'replica', pid: late.pid });
    await waitFor(() => live.at(-1)!.components.some((reading) => reading.component === 'late'), {
      description: 'late component sampled',
    });
    const usage = await recorder.stop();
    expect(usage.map((entry) => entry.component).sort()).toEqual(['late', 'self']);
    // the recorder saw the passes the live subscriber saw (no second poller)
    expect(sampler.passes).toBe(live.length);
    unsubscribe();
    const passesAfterLast = sampler.passes;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(sampler.passes).toBe(passesAfterLast);
    await late.stop('SIGKILL');
  });
});

describe('machine CPU from the stream', () => {
  it('a following meter takes the machine counters of every pass and polls nothing itself', async () => {
    const sampler = new ResourceSampler({ intervalMs: 1_000 });
    let ownReads = 0;
    const meter = new MachineCpuMeter(10, () => {
      ownReads += 1;
      return '';
    });
    meter.follow(sampler);
    const first = await sampler.sampleNow();
    const until = Date.now() + 100;
    while (Date.now() < until) Math.sqrt(Math.random());
    const last = await sampler.sampleNow();
    expect(first.machine!.total).toBeGreaterThan(0);
    expect(last.machine!.total).toBeGreaterThan(first.machine!.total);
    const busy = meter.busyFraction(first.atMs, last.atMs);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(1);
    meter.stop();
    expect(ownReads).toBe(0);
  });
});
