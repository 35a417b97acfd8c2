import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll } from '../managed-process.js';
import { redisCli } from '../redis.js';
import { Topology } from './local-topology.js';

let root: string | undefined;
afterAll(async () => {
  await stopAll();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Adds every process's argv on this machine to `seen` (pid:argv, so a reused pid counts too). */
function recordArgv(seen: Set<string>): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string;
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // exited while we looked
    }
    seen.add(`${entry}: ${argv}`);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((relative) => join(dir, relative))
    .filter((path) => statSync(path).isFile());
}

describe('secrets out of argv and logs', () => {
  it('a password-protected cluster behind both proxies: no secret in any cmdline, log or file but the 0600 Redis configs', async () => {
    root = await mkdtemp(join(tmpdir(), 'wslab-secrets-'));
    const dir = join(root, 'lab');
    const seen = new Set<string>();
    // Short-lived redis-cli runs (PING loops, --cluster create) happen during start: look all along.
    const watcher = setInterval(() => recordArgv(seen), 10);
    let topology: Topology | undefined;
    let redisPorts: number[] = [];
    try {
      topology = await Topology.start({ dir, proxy: 'both', replicas: 1, redisMode: 'cluster' });
      redisPorts = topology.redisPorts();
      for (const port of redisPorts) {
        expect((await redisCli(port, ['PING'], topology.redisPassword)).trim()).toBe('PONG');
      }
      recordArgv(seen);
    } finally {
      clearInterval(watcher);
      await topology?.stop();
    }
    const secrets = [topology.redisPassword, topology.publishApiKey];
    expect(seen.size).toBeGreaterThan(0);
    expect([...seen].filter((argv) => secrets.some((secret) => argv.includes(secret)))).toEqual([]);

    const files = filesUnder(dir);
    expect(files.some((path) => path.endsWith('.log'))).toBe(true);
    const holding = files.filter((path) =>
      secrets.some((secret) => readFileSync(path, 'utf8').includes(secret)),
    );
    expect(holding).toHaveLength(redisPorts.length);
    for (const path of holding) {
      expect(basename(path)).toBe('auth.conf');
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });
});
