import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManagedProcess, stopAll } from '../processes/managed-process.js';
import { waitFor } from '../processes/wait-for.js';
import { PAGE_SIZE_BYTES, parseProcStat, processTree, readAllProcStats } from './proc.js';
import { ResourceSampler } from './sampler.js';

const logDir = join(tmpdir(), 'wslab-sampler-test');

afterAll(async () => {
  await stopAll();
});

/** A node child that burns CPU for `busyMs` (in itself, or in a forked worker), then idles. */
function startNode(name: string, script: string): ManagedProcess {
  return new ManagedProcess({ name, command: process.execPath, args: ['-e', script], logDir });
}

const burn = (ms: number) =>
  `const end = Date.now() + ${ms}; while (Date.now() < end) {} setInterval(() => {}, 1000);`;

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

describe('ResourceSampler', () => {
  it('measures CPU and RSS per component, including forked workers', async () => {
    const busy = startNode('busy', burn(800));
    const idle = startNode('idle', 'setInterval(() => {}, 1000);');
    // a parent that forks a busy worker, like nginx or haproxy -W
    const parent = startNode(
      'parent',
      `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burn(800))}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`,
    );
    await waitFor(async () => processTree(parent.pid, await readAllProcStats()).length === 2, {
      description: 'worker forked',
    });
    const sampler = new ResourceSampler({ intervalMs: 100 });
    sampler.track({ component: 'busy', kind: 'replica', pid: busy.pid });
    sampler.track({ component: 'idle', kind: 'redis', pid: idle.pid });
    sampler.track({ component: 'parent', kind: 'nginx', pid: parent.pid });
    await sampler.start();
    await waitFor(() => sampler.passes >= 9, { description: '9 samples' });
    const usage = await sampler.stop();
    const byName = new Map(usage.map((entry) => [entry.component, entry]));
    expect(byName.get('busy')!.cpuSeconds).toBeGreaterThan(0.3);
    expect(byName.get('parent')!.cpuSeconds).toBeGreaterThan(0.3);
    expect(byName.get('idle')!.cpuSeconds).toBeLessThan(0.1);
    expect(byName.get('busy')!.cpuPercentMax).toBeGreaterThan(30);
    for (const entry of usage) {
      expect(entry.rssMaxBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(entry.samples.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('keeps the figures of a component that exits mid-run', async () => {
    const doomed = startNode('doomed', burn(300));
    const sampler = new ResourceSampler({ intervalMs: 50 });
    sampler.track({ component: 'doomed', kind: 'replica', pid: doomed.pid });
    await sampler.start();
    await waitFor(() => sampler.passes >= 7, { description: '7 samples' });
    doomed.killNow('SIGKILL');
    await doomed.exited;
    const [usage] = await sampler.stop();
    expect(usage!.cpuSeconds).toBeGreaterThan(0.1);
  });
});
