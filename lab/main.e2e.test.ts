import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectFaultTimeline, expectValidReport } from '../test-support/lab/report-checks.js';
import { HEADLINE_EXPERIMENTS } from './experiments/index.js';

const REPO = resolve(import.meta.dirname, '..');
const clone = join(mkdtempSync(join(tmpdir(), 'wslab-fresh-')), 'wslab');

afterAll(() => {
  rmSync(dirname(clone), { recursive: true, force: true });
});

describe('npm start on a fresh clone', () => {
  it('runs the headline experiments (short mode) and prints where each report is', async () => {
    // what a new user has: the committed tree; node_modules is linked instead of `npm ci` (no network here)
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${REPO}`, clone]);
    symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
    const child = spawn('npm', ['start', '--', '--short'], {
      cwd: clone,
      env: { ...process.env, CI: 'true', WSLAB_DIR: join(clone, '.lab') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const paths = [...stdout.matchAll(/^report: (.+\/index\.html)$/gm)].map((match) => match[1]!);
    expect(paths).toHaveLength(HEADLINE_EXPERIMENTS.length);
    for (const [index, path] of paths.entries()) {
      expect(path.startsWith('reports/')).toBe(true);
      await expectValidReport(join(clone, dirname(path)), HEADLINE_EXPERIMENTS[index]!);
      if (HEADLINE_EXPERIMENTS[index] === 'failover-replica')
        await expectFaultTimeline(join(clone, dirname(path)), 'kill-replica');
    }
    // the findings are printed too, not only the paths
    expect(stdout).toMatch(/haproxy: p50 \d/);
    // scale searches capped replicas (replicas compile at 0.25 CPU) and ramps idle connections
  }, 240_000);
});
