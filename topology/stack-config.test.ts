import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROXY_DEFAULTS } from '../proxy/options.js';
import { SPEC_DEFAULTS } from './fields.js';
import { README_PATH, specTable, tableCells } from './readme-table.js';
import { replicaEnv } from './replica-env.js';
import { busModeOf, resolveTopologySpec, tunnelTimeoutMsOf } from './spec.js';
import {
  checkSecret,
  parseConfigMap,
  readStackFile,
  resolveStackConfig,
  StackConfigError,
  stackFilePath,
} from './stack-config.js';

const repoRoot = new URL('../', import.meta.url).pathname;

/** The problems a parse reports (throws if it did not fail). */
function problemsOf(config: Record<string, unknown>): string[] {
  try {
    parseConfigMap(config);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('readStackFile: the example stacks', () => {
  it('reads Pulumi.haproxy.yaml', () => {
    const stack = readStackFile(stackFilePath(repoRoot, 'haproxy'));
    expect(stack).toMatchObject({
      proxy: 'haproxy',
      stickiness: 'cookie',
      replicas: 3,
      redisMode: 'cluster',
      history: true,
      httpPort: 8080,
      statsPort: 8404,
      publishAddress: '127.0.0.1',
    });
    expect(stack.redisHostPort).toBeUndefined();
  });

  it('reads Pulumi.nginx.yaml', () => {
    const stack = readStackFile(stackFilePath(repoRoot, 'nginx'));
    expect(stack).toMatchObject({ proxy: 'nginx', stickiness: 'room', replicas: 3, redisMode: 'cluster' });
    expect(stack.nginxImage).toBe('nginx:1.26-bookworm');
  });

  it('reads Pulumi.single-redis.yaml', () => {
    const stack = readStackFile(stackFilePath(repoRoot, 'single-redis'));
    expect(stack).toMatchObject({ proxy: 'haproxy', stickiness: 'source', replicas: 2, redisMode: 'single' });
    expect(stack.drainWindowMs).toBe(5000);
  });

  it('lists the stacks when the named one does not exist', () => {
    const path = stackFilePath(repoRoot, 'haproxyy');
    expect(() => readStackFile(path)).toThrow(
      `invalid stack config in ${path}:\n  no such stack file; stacks here: haproxy, k8s-haproxy, k8s-nginx, nginx, single-redis, swarm-haproxy, swarm-nginx`,
    );
  });

  it('names the file in the error when a stack file is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslab-stack-'));
    const path = join(dir, 'Pulumi.bad.yaml');
    writeFileSync(path, 'config:\n  wslab:proxy: haproxy\n  wslab:replicas: "0"\n');
    expect(() => readStackFile(path)).toThrow(
      `invalid stack config in ${path}:\n  wslab:replicas must be an integer from 1 to 32, got "0"`,
    );
    writeFileSync(path, 'encryptionsalt: abc\n');
    expect(() => readStackFile(path)).toThrow(
      `invalid stack config in ${path}:\n  the file has no \`config:\` map`,
    );
  });
});

describe('parseConfigMap', () => {
  it('fills every unset key from the defaults, proxy ones from the shared proxy defaults', () => {
    const stack = parseConfigMap({ 'wslab:proxy': 'nginx' });
    expect(stack).toEqual({ ...SPEC_DEFAULTS, proxy: 'nginx' });
    expect(stack.stickiness).toBe(PROXY_DEFAULTS.stickiness);
    // Unset: the proxies derive it from the heartbeat, the same number as their own default.
    expect(stack.proxyTunnelTimeoutMs).toBeUndefined();
    expect(tunnelTimeoutMsOf(stack)).toBe(PROXY_DEFAULTS.timeouts.tunnelMs);
  });

  it('accepts YAML numbers and booleans as well as the strings `pulumi config set` writes', () => {
    const stack = parseConfigMap({ 'wslab:proxy': 'haproxy', 'wslab:replicas': 4, 'wslab:history': false });
    expect(stack.replicas).toBe(4);
    expect(stack.history).toBe(false);
    expect(parseConfigMap({ 'wslab:proxy': 'haproxy', 'wslab:history': 'off' }).history).toBe(false);
  });

  it('ignores other namespaces and encrypted secrets', () => {
    const stack = parseConfigMap({
      'wslab:proxy': 'haproxy',
      'docker:host': 'unix:///var/run/docker.sock',
      'wslab:redisPassword': { secure: 'v1:AAAABBBB' },
    });
    expect(stack.proxy).toBe('haproxy');
  });

  it('rejects replicas 0 with one exact message', () => {
    expect(problemsOf({ 'wslab:proxy': 'haproxy', 'wslab:replicas': '0' })).toEqual([
      'wslab:replicas must be an integer from 1 to 32, got "0"',
    ]);
  });

  it('rejects an unknown proxy with one exact message', () => {
    expect(problemsOf({ 'wslab:proxy': 'envoy' })).toEqual([
      'wslab:proxy must be one of haproxy|nginx, got "envoy"',
    ]);
  });

  it('rejects a stickiness the chosen proxy cannot do, naming the proxy', () => {
    expect(problemsOf({ 'wslab:proxy': 'nginx', 'wslab:stickiness': 'sticky-table' })).toEqual([
      'wslab:stickiness "sticky-table" is not supported by nginx; use one of none|cookie|source|room',
    ]);
    expect(problemsOf({ 'wslab:proxy': 'haproxy', 'wslab:stickiness': 'header' })).toEqual([
      'wslab:stickiness "header" is not supported by haproxy; use one of none|cookie|source|room',
    ]);
  });

  it('requires the proxy', () => {
    expect(problemsOf({ 'wslab:replicas': '2' })).toEqual(['wslab:proxy is required: one of haproxy|nginx']);
  });

  it('rejects a misspelt key instead of silently using a default', () => {
    expect(problemsOf({ 'wslab:proxy': 'haproxy', 'wslab:replica': '5' })).toEqual([
      'wslab:replica is not a known key',
    ]);
  });

  it('refuses redisMode none (a lab choice: Pulumi deploys Redis), in schema order', () => {
    expect(
      problemsOf({ 'wslab:proxy': 'haproxy', 'wslab:redisMode': 'none', 'wslab:replicas': 'x' }),
    ).toEqual([
      'wslab:replicas must be an integer from 1 to 32, got "x"',
      'wslab:redisMode must be one of single|cluster, got "none"',
    ]);
  });

  it('reports one line per bad value, all at once', () => {
    const problems = problemsOf({
      'wslab:proxy': 'haproxy',
      'wslab:replicas': 'three',
      'wslab:redisMode': 'sentinel',
      'wslab:history': 'maybe',
      'wslab:httpPort': '70000',
      'wslab:publishAddress': 'example.com',
      'wslab:redisImage': 'Redis Latest',
    });
    expect(problems).toEqual([
      'wslab:replicas must be an integer from 1 to 32, got "three"',
      'wslab:redisMode must be one of single|cluster, got "sentinel"',
      'wslab:history must be on or off, got "maybe"',
      'wslab:httpPort must be an integer from 1 to 65535, got "70000"',
      'wslab:publishAddress must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, got "example.com"',
      'wslab:redisImage must be an image reference such as redis:7.4, got "Redis Latest"',
    ]);
  });

  it('rejects combinations that break WebSockets or collide', () => {
    expect(
      problemsOf({
        'wslab:proxy': 'haproxy',
        'wslab:pingIntervalMs': '60000',
        'wslab:heartbeatIntervalMs': '0',
        'wslab:proxyTunnelTimeoutMs': '60000',
      }),
    ).toEqual([
      'wslab:pingIntervalMs (60000) must be below wslab:proxyTunnelTimeoutMs (60000), or the proxy drops idle sockets between pings',
    ]);
    // With the heartbeat on it is what keeps a tunnel open, so it is what must fit below it.
    expect(
      problemsOf({
        'wslab:proxy': 'haproxy',
        'wslab:heartbeatIntervalMs': '5000',
        'wslab:proxyTunnelTimeoutMs': '5000',
      }),
    ).toEqual([
      'wslab:heartbeatIntervalMs (5000) must be below wslab:proxyTunnelTimeoutMs (5000), or the proxy drops idle sockets between pings',
    ]);
    expect(problemsOf({ 'wslab:proxy': 'haproxy', 'wslab:httpPort': '8404' })).toEqual([
      'wslab:statsPort must differ from wslab:httpPort (8404)',
    ]);
  });

  it('accepts a digest-pinned image from a private mirror', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const stack = parseConfigMap({
      'wslab:proxy': 'haproxy',
      'wslab:redisImage': `mirror.local:5000/redis:7.4@${digest}`,
    });
    expect(stack.redisImage).toBe(`mirror.local:5000/redis:7.4@${digest}`);
  });
});

describe('resolveStackConfig (what the Pulumi program calls with config.get values)', () => {
  it('treats undefined (unset) values as defaults', () => {
    expect(resolveStackConfig({ proxy: 'haproxy', replicas: undefined }).replicas).toBe(
      SPEC_DEFAULTS.replicas,
    );
  });

  it('throws a StackConfigError whose message lists the problems', () => {
    expect(() => resolveStackConfig({ proxy: 'haproxy', replicas: '0' }, { source: 'stack demo' })).toThrow(
      'invalid stack config in stack demo:\n  wslab:replicas must be an integer from 1 to 32, got "0"',
    );
  });
});

describe('topology/README.md key table', () => {
  it('is the table generated from the schema (regenerate: npx tsx topology/readme-table.ts)', () => {
    const cells = tableCells(readFileSync(README_PATH, 'utf8'));
    expect(cells).toEqual(tableCells(specTable()));
    expect(cells.length).toBeGreaterThan(30);
  });
});

describe('checkSecret (secrets are checked by the program, never printed)', () => {
  it('accepts a secret the service accepts and rejects a shorter one by length only', () => {
    expect(checkSecret('publishApiKey', 'k'.repeat(16))).toBe('k'.repeat(16));
    expect(() => checkSecret('publishApiKey', 'short-key', 'stack demo')).toThrow(
      'invalid stack config in stack demo:\n  wslab:publishApiKey must be at least 16 characters, got 9',
    );
    expect(() => checkSecret('authJwtSecret', 's'.repeat(31))).toThrow(
      'wslab:authJwtSecret must be at least 32 characters, got 31',
    );
    expect(() => checkSecret('redisPassword', '')).toThrow('wslab:redisPassword must not be empty');
  });
});

describe('redisMode none (the in-process bus)', () => {
  it('runs one replica with no Redis address in its env', () => {
    const spec = resolveTopologySpec({ redisMode: 'none', replicas: 1 });
    const env = replicaEnv(spec, { host: '127.0.0.1', port: 1, instanceId: 'r1' });
    expect(busModeOf(spec)).toBe('memory');
    expect(Object.values(env)).toContain('memory');
    expect(Object.keys(env).some((name) => name.startsWith('REDIS'))).toBe(false);
  });

  it('refuses more than one replica and replica acks', () => {
    expect(() => resolveTopologySpec({ redisMode: 'none' })).toThrow('redisMode none runs one replica');
    expect(() => resolveTopologySpec({ redisMode: 'none', replicas: 1, historyReplicaAcks: 1 })).toThrow(
      'historyReplicaAcks needs Redis',
    );
  });
});
