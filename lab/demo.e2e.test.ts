import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('crosses replicas, resumes exactly the missed messages, and stops everything', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'lab/demo.ts'], { timeout: 60_000 });
    expect(stdout).toMatch(/bob got it on r2/);
    expect(stdout).toMatch(/recovered=true missed=false/);
    expect(stdout).toMatch(/bob catches up: offset 4 /);
    expect(stdout).toMatch(/bob catches up: offset 5 /);
    expect(stdout).not.toMatch(/bob catches up: offset [36] /);
    expect(stdout).toMatch(/done; stopping everything/);
  });
});
