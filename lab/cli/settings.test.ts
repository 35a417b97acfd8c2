import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { planLocalStart } from '../../runtime/local/start-plan.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { specFromFlags, specOptions } from './spec-flags.js';
import { type LabState, readLabState, removeLabState, statePath, writeLabState } from './state.js';
import { stackSpec } from './up.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'wslab-state-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('up --stack', () => {
  it('runs locally what the haproxy stack deploys, every timeout included', () => {
    const spec = stackSpec(REPO, 'haproxy');
    expect(spec).toMatchObject({
      proxy: 'haproxy',
      stickiness: 'cookie',
      replicas: 3,
      redisMode: 'cluster',
      history: true,
      historySize: 1000,
      historyTtlS: 3600,
      pingIntervalMs: 25_000,
      heartbeatIntervalMs: 2_000,
      proxyConnectTimeoutMs: 2_000,
      proxyClientTimeoutMs: 30_000,
      proxyServerTimeoutMs: 30_000,
      drainWindowMs: 10_000,
    });
    // the client/server timeouts reach the proxy the lab renders (they were dropped before the spec)
    expect(planLocalStart(spec).proxy.timeouts).toMatchObject({ clientMs: 30_000, serverMs: 30_000 });
    // every stack is a valid lab plan
    for (const stack of ['haproxy', 'nginx', 'single-redis']) {
      expect(planLocalStart(stackSpec(REPO, stack)).replicas).toBeGreaterThan(0);
    }
  });

  it('names the missing stack file', () => {
    expect(() => stackSpec(REPO, 'nope')).toThrow(/Pulumi\.nope\.yaml/);
  });
});

describe('topology spec', () => {
  it('merges defaults once and rejects bad combinations with one message', () => {
    expect(resolveTopologySpec({})).toMatchObject({ proxy: 'haproxy', replicas: 2, redisMode: 'single' });
    expect(() => resolveTopologySpec({ redisMode: 'cluster', fanout: 'broadcast' })).toThrow(
      'fanout broadcast runs on a single Redis; set redisMode single',
    );
    expect(() => resolveTopologySpec({ replicas: 0 })).toThrow(/replicas/);
    // one range for replicas in the lab and in Pulumi
    expect(resolveTopologySpec({ replicas: 20 }).replicas).toBe(20);
    expect(() => resolveTopologySpec({ replicas: 33 })).toThrow(/replicas/);
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
    redisPassword: 'p',
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

describe('up flags', () => {
  const parse = (args: string[]) => {
    const command = new Command('up').exitOverride();
    for (const option of specOptions()) command.addOption(option);
    command.configureOutput({ writeErr: () => undefined });
    return command.parse(args, { from: 'user' }).opts();
  };

  it('take the stack file over the spec defaults, and explicit flags over the stack file', () => {
    const spec = specFromFlags(
      parse(['--replicas', '1', '--tunnel-timeout-ms', '45000']),
      stackSpec(REPO, 'haproxy'),
    );
    expect(spec).toMatchObject({
      proxy: 'haproxy',
      redisMode: 'cluster',
      stickiness: 'cookie',
      replicas: 1,
      proxyTunnelTimeoutMs: 45_000,
    });
  });

  it('use the spec defaults when neither gives a value', () => {
    expect(specFromFlags(parse(['--redis', 'cluster', '--history', 'off']))).toEqual(
      resolveTopologySpec({ redisMode: 'cluster', history: false }),
    );
  });

  it('reject a bad value with the range of the spec', () => {
    expect(() => parse(['--replicas', '33'])).toThrow(
      'argument \'33\' is invalid. --replicas must be an integer from 1 to 32, got "33"',
    );
    expect(() => parse(['--redis', 'sentinel'])).toThrow(
      '--redis must be one of single|cluster|none, got "sentinel"',
    );
  });
});
