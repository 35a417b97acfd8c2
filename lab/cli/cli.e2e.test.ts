import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processTree, readAllProcStats } from '../../observe/proc.js';
import { waitFor } from '../../runtime/wait-for.js';
import { alivePids, openPorts } from '../../test-support/lab/helpers.js';
import { isAlive } from './pids.js';
import { type LabState, readLabState } from './state.js';

const REPO = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'wslab-cli-'));
const started: ChildProcess[] = [];

afterAll(async () => {
  // a failed test must not leave a lab behind: down kills by the recorded pids
  for (const name of ['detached', 'crashed', 'restarted', 'foreground'])
    await runCli(join(root, name), ['down']);
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function cli(dir: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/wslab.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, WSLAB_DIR: dir, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return child;
}

async function runCli(
  dir: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = cli(dir, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  return { code, stdout, stderr };
}

function everyPidAndPort(state: LabState): { pids: number[]; ports: number[] } {
  return {
    pids: [state.supervisorPid, ...state.components.map((component) => component.pid)],
    ports: state.components.map((component) => component.port),
  };
}

describe('wslab CLI', () => {
  it('up --detach, status, down: everything recorded is stopped, no port left open', async () => {
    const dir = join(root, 'detached');
    const up = await runCli(dir, ['up', '--detach', '--proxy', 'both', '--replicas', '2']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/haproxy +ws:\/\/127\.0\.0\.1:\d+\/ws/);
    const state = readLabState(dir)!;
    const { pids, ports } = everyPidAndPort(state);
    // the detached lab serves its live view on loopback, and says where
    const liveUrl = /live +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(up.stdout)?.[1];
    expect(liveUrl).toBe(state.liveUrl);
    expect(await (await fetch(liveUrl!)).text()).toContain('<title>wslab live</title>');
    ports.push(Number(new URL(liveUrl!).port));
    expect(state.components.map((component) => component.kind).sort()).toEqual(
      ['haproxy', 'nginx', 'redis', 'replica', 'replica'].sort(),
    );
    expect(alivePids(pids)).toEqual(pids);

    const status = await runCli(dir, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/\| r1 \| replica \| \d+ \| \d+ \| ready \| 0 \|/);
    expect(status.stdout).toMatch(/\| redis \| redis \| \d+ \| \d+ \| PONG \|/);

    const down = await runCli(dir, ['down']);
    expect(down.stdout).toContain('no process and no port left');
    expect(alivePids(pids)).toEqual([]);
    expect(await openPorts(ports)).toEqual([]);
    expect(readLabState(dir)).toBeUndefined();
  });

  it('down after the supervisor was SIGKILLed still kills every component by its recorded pid', async () => {
    const dir = join(root, 'crashed');
    // nginx: its workers must go too, although only the master's pid is recorded
    const up = await runCli(dir, ['up', '--detach', '--proxy', 'nginx', '--replicas', '1']);
    expect(up.code, up.stderr).toBe(0);
    const state = readLabState(dir)!;
    const { pids: recorded, ports } = everyPidAndPort(state);
    const stats = await readAllProcStats();
    const pids = [...new Set(recorded.flatMap((pid) => processTree(pid, stats).map((stat) => stat.pid)))];
    expect(pids.length).toBeGreaterThan(recorded.length);
    process.kill(state.supervisorPid, 'SIGKILL');
    await waitFor(() => !isAlive(state.supervisorPid), { description: 'supervisor gone' });
    // the children outlive a SIGKILLed parent: that is what down is for
    expect(alivePids(pids.slice(1)).length).toBeGreaterThan(0);
    const down = await runCli(dir, ['down']);
    expect(down.stdout).toMatch(/killed leftover pids: \d+/);
    expect(alivePids(pids)).toEqual([]);
    expect(await openPorts(ports)).toEqual([]);
  });

  it('up after a crashed lab first stops what the crashed one left behind', async () => {
    const dir = join(root, 'restarted');
    expect((await runCli(dir, ['up', '--detach', '--proxy', 'none', '--replicas', '1'])).code).toBe(0);
    const crashed = readLabState(dir)!;
    const { pids: oldPids } = everyPidAndPort(crashed);
    process.kill(crashed.supervisorPid, 'SIGKILL');
    await waitFor(() => !isAlive(crashed.supervisorPid), { description: 'supervisor gone' });
    const again = await runCli(dir, ['up', '--detach', '--proxy', 'none', '--replicas', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(alivePids(oldPids)).toEqual([]);
    const { pids, ports } = everyPidAndPort(readLabState(dir)!);
    expect(pids.some((pid) => oldPids.includes(pid))).toBe(false);
    await runCli(dir, ['down']);
    expect(alivePids(pids)).toEqual([]);
    expect(await openPorts(ports)).toEqual([]);
  });

  it('foreground up stops everything on Ctrl-C (SIGINT)', async () => {
    const dir = join(root, 'foreground');
    const child = cli(dir, ['up', '--proxy', 'nginx', '--replicas', '1', '--history', 'off']);
    const state = await waitFor(
      () => {
        const current = readLabState(dir);
        return current?.ready ? current : undefined;
      },
      {
        timeoutMs: 60_000,
        description: 'foreground lab up',
      },
    );
    const { pids, ports } = everyPidAndPort(state);
    expect(alivePids(pids)).toEqual(pids);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
    expect(code).toBe(0);
    expect(alivePids(pids)).toEqual([]);
    expect(await openPorts(ports)).toEqual([]);
    expect(readLabState(dir)).toBeUndefined();
  });

  it('SIGTERM during an experiment stops the whole topology it had started', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'lab/cli/wslab.ts', 'run', 'timeouts', '--short', '--out', root],
      {
        cwd: REPO,
        // not CI: the progress lines on stderr say when the topology is up
        env: { ...process.env, WSLAB_DIR: join(root, 'interrupted'), CI: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    started.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await waitFor(() => stderr.includes('idle clients'), {
      timeoutMs: 60_000,
      description: 'first run started',
    });
    const tree = processTree(child.pid!, await readAllProcStats()).map((stat) => stat.pid);
    expect(tree.length).toBeGreaterThan(4); // lab, redis, 2 replicas, haproxy, nginx
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    await waitFor(() => alivePids(tree).length === 0, { description: 'every process of the run gone' });
  });

  it('rejects a bad option with one line naming it', async () => {
    const result = await runCli(join(root, 'bad'), ['up', '--replicas', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("option '--replicas <n>' argument 'many' is invalid");
  });
});
