import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs main.ts with `env` until `until` matches its output or it exits. */
function runMain(env: Record<string, string>, until?: RegExp) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/src/main.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      if (until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('main', () => {
  it('refuses a bad configuration with one exact line per bad value and exit code 2', async () => {
    const result = await runMain({ PORT: 'abc', HISTORY: 'maybe', BUS_MODE: 'memory' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT must be an integer from 0 to 65535, got "abc"');
    expect(result.stderr).toContain('HISTORY must be one of on|off, got "maybe"');
  });

  it('with PORT=0 logs the bound port as JSON, then drains and exits 0 on SIGTERM', async () => {
    const result = await runMain({ PORT: '0', BUS_MODE: 'memory', INSTANCE_ID: 'main-test' }, /"listening"/);
    const listening = result.stdout
      .split('\n')
      .filter((line) => line.includes('"listening"'))
      .map((line) => JSON.parse(line) as { port: number; instance: string })[0];
    expect(listening?.port).toBeGreaterThan(0);
    expect(listening?.instance).toBe('main-test');
    expect(result.stdout).toContain('"drained"');
    expect(result.code).toBe(0);
  });
});
