/**
 * The CLI: writes a schema-valid JSON result, exits 0 when thresholds pass, 1 when one fails,
 * 2 on a usage error. Runs against the raw ws server (the thresholds logic, not the service, is
 * under test here; the service runs are in scenarios.e2e.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawServer, startRawServer } from '../../bench/raw-server.js';
import { freePort } from '../../runtime/ports.js';
import { scenarioResultSchema } from '../runner/result.js';
import { SOURCE_ADDRESSES_ERROR } from '../runner/source-addresses.js';

const dir = mkdtempSync(join(tmpdir(), 'wslab-cli-'));
let raw: RawServer;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'loadtests/cli.ts', ...args],
      { env: { ...process.env, CI: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  raw = await startRawServer();
});

afterAll(async () => {
  await raw.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadtests CLI', () => {
  it('writes a valid result and exits 0 when thresholds pass', async () => {
    const out = join(dir, 'fanout.json');
    const args = ['fanout', '--url', raw.wsUrl, '--subscribers', '10', '--publishers', '2', '--rooms', '2'];
    const clientFlags = ['--source-addresses', '4', '--no-cookies'];
    // A loose lag bound: this test is about thresholds, not about how busy the machine is.
    const scheduleFlags = ['--arrivals', 'poisson', '--arrival-seed', '42', '--max-lag-p99-ms', '1000'];
    const { code, stdout } = await cli([
      ...args,
      ...clientFlags,
      ...scheduleFlags,
      '--duration-ms',
      '1000',
      '--out',
      out,
    ]);
    expect(stdout).toContain('thresholds: passed');
    expect(stdout).toMatch(/scheduling lag \(ms, bound p99 1000\): shard 0 p99 [\d.]+/);
    expect(code).toBe(0);
    const result = scenarioResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(result.parameters).toMatchObject({
      subscribers: 10,
      publishers: 2,
      durationMs: 1000,
      arrivals: 'poisson',
    });
    expect(result.arrivalSeed).toBe(42);
    expect(result.validity).toMatchObject({ valid: true, schedulingLag: { boundP99Ms: 1000 } });
    expect(result.clients).toEqual({
      cookies: false,
      sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
    });
  }, 30_000);

  it('exits 1 when a threshold fails (nothing listening: every connect fails)', async () => {
    const port = await freePort();
    const { code, stdout } = await cli([
      'connect_ramp',
      '--url',
      `ws://127.0.0.1:${port}/ws`,
      '--connections',
      '3',
      '--hold-ms',
      '0',
    ]);
    expect(stdout).toContain('FAIL connect_failures value == 0 (actual 3)');
    expect(code).toBe(1);
  }, 30_000);

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await cli(['fanout', '--url', raw.wsUrl, '--subscriber', '3']);
    expect(stderr).toContain("unknown option '--subscriber'");
    expect(code).toBe(2);
  }, 30_000);

  it('exits 2 on an unknown arrival model, naming the allowed ones', async () => {
    const { code, stderr } = await cli(['fanout', '--url', raw.wsUrl, '--arrivals', 'steady']);
    expect(stderr).toContain('Allowed choices are uniform, poisson, burst');
    expect(code).toBe(2);
  }, 30_000);

  it('exits 2 with the one message on a non-loopback source address', async () => {
    const args = ['connect_ramp', '--url', raw.wsUrl, '--connections', '1'];
    const { code, stderr } = await cli([...args, '--source-addresses', '127.0.0.2,192.0.2.1']);
    expect(stderr.trim()).toBe(SOURCE_ADDRESSES_ERROR);
    expect(code).toBe(2);
  }, 30_000);
});
