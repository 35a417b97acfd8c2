import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTopologyOptions } from '../topology/options.js';
import { type LabState, readLabState, removeLabState, statePath, writeLabState } from './state.js';
import { settingsFromStack } from './up.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'wslab-state-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('up --stack', () => {
  it('runs locally what the haproxy stack deploys', () => {
    const settings = settingsFromStack(REPO, 'haproxy');
    expect(settings).toMatchObject({
      proxy: 'haproxy',
      stickiness: 'cookie',
      replicas: 3,
      redis: 'cluster',
      history: true,
      pingIntervalMs: 25_000,
      tunnelTimeoutMs: 60_000,
      connectTimeoutMs: 2_000,
      drainWindowMs: 10_000,
    });
    expect(settings.replicaEnv).toEqual({ HISTORY_SIZE: '1000', HISTORY_TTL_S: '3600' });
    // every stack maps onto valid lab options
    for (const stack of ['haproxy', 'nginx', 'single-redis']) {
      expect(() => resolveTopologyOptions({ ...settingsFromStack(REPO, stack), dir })).not.toThrow();
    }
  });

  it('names the missing stack file', () => {
    expect(() => settingsFromStack(REPO, 'nope')).toThrow(/Pulumi\.nope\.yaml/);
  });
});

describe('topology options', () => {
  it('merges defaults once and rejects bad combinations with one message', () => {
    expect(resolveTopologyOptions({ dir })).toMatchObject({ proxy: 'haproxy', replicas: 2, redis: 'single' });
    expect(() => resolveTopologyOptions({ dir, redis: 'single', busMode: 'cluster' })).toThrow(
      'busMode cluster needs redis cluster',
    );
    expect(() => resolveTopologyOptions({ dir, redis: 'cluster', busMode: 'broadcast' })).toThrow(
      'busMode broadcast runs on a single Redis',
    );
    expect(() => resolveTopologyOptions({ dir, replicas: 0 })).toThrow(/replicas/);
  });
});

describe('state.json', () => {
  const state: LabState = {
    version: 1,
    supervisorPid: process.pid,
    detached: true,
    startedAt: new Date(0).toISOString(),
    ready: true,
    dir,
    settings: { proxy: 'haproxy' },
    components: [
      { name: 'redis', kind: 'redis', pid: 42, port: 6379, url: 'redis://127.0.0.1:6379', logPath: '/x' },
    ],
    urls: { direct: ['ws://127.0.0.1:1/ws'], proxies: {} },
    publishApiKey: 'k',
  };

  it('round-trips, and reads a damaged file as "nothing up"', () => {
    writeLabState(dir, state);
    expect(readLabState(dir)).toEqual(state);
    writeFileSync(statePath(dir), '{"version": 1, "supervisorPid"');
    expect(readLabState(dir)).toBeUndefined();
    removeLabState(dir);
    expect(readLabState(dir)).toBeUndefined();
  });
});

describe('up flags with --stack', () => {
  it('takes the stack file over flag defaults, and explicit flags over the stack file', async () => {
    const { settingsFromFlags } = await import('../cli.js');
    const flags = {
      proxy: 'nginx' as const,
      replicas: 1,
      redis: 'single' as const,
      stickiness: 'none' as const,
      history: 'on' as const,
      stack: 'haproxy',
    };
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      const settings = settingsFromFlags(flags, (key) => key === 'replicas');
      expect(settings).toMatchObject({
        proxy: 'haproxy',
        redis: 'cluster',
        stickiness: 'cookie',
        replicas: 1,
      });
    } finally {
      process.chdir(cwd);
    }
  });
});
