import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { stackSpec } from '../../lab/cli/up.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { planLocalStart } from '../../runtime/local/start-plan.js';
import { specField } from '../../topology/fields.js';
import { proxyInput } from '../../topology/proxy-input.js';
import { STACK_CONFIG_KEYS, type StackConfigKey } from '../../topology/stack-config.js';
import { NOT_ON_KUBERNETES } from '../kubernetes/deployment.js';
import { runProgram, stackFileConfig, TYPES } from './harness.js';

/**
 * The round trip of every stack key: a changed valid value changes what `wslab up --stack`
 * would start (the lab's plan: counts, replica env, rendered proxy config, resources) and what
 * the Pulumi program declares (every recorded resource input), and a bad value gives the same
 * single error line on both paths. Docker-only keys (published ports, images) must change
 * Pulumi and leave the lab's plan alone: the lab runs local binaries on free loopback ports.
 */
const BASE_STACK = 'single-redis';
const base = stackFileConfig(BASE_STACK);

/** A changed, valid value per key (relative to Pulumi.single-redis.yaml). */
const CHANGED: Partial<Record<StackConfigKey, string>> = {
  platform: 'swarm',
  swarmHosts: '2',
  proxy: 'nginx',
  stickiness: 'room',
  replicas: '20',
  redisMode: 'cluster',
  redisNodeTimeoutMs: '1500',
  fanout: 'broadcast',
  history: 'off',
  historySize: '501',
  historyTtlS: '601',
  historyReplicaAcks: '1',
  historyReplicaAckTimeoutMs: '150',
  pingIntervalMs: '20000',
  heartbeatIntervalMs: '3000',
  drainWindowMs: '4000',
  maxFrameBytes: '32768',
  maxRoomsPerConnection: '50',
  publishRatePerS: '60',
  publishBurst: '120',
  sendBufferMaxBytes: '2097152',
  handshakeTimeoutMs: '5000',
  maxConnections: '5000',
  auth: 'jwt',
  authTokenMaxLifetimeS: '3600',
  authClockSkewS: '5',
  allowedOrigins: 'https://app.example,http://127.0.0.1:3000',
  logLevel: 'warn',
  proxyConnectTimeoutMs: '1500',
  proxyClientTimeoutMs: '31000',
  proxyServerTimeoutMs: '32000',
  proxyTunnelTimeoutMs: '90000',
  proxyWorkers: '3',
  proxyConnectionsPerAddress: '50',
  proxyConnectRatePerAddressPerS: '20',
  httpPort: '9090',
  statsPort: '9494',
  publishAddress: '0.0.0.0',
  redisHostPort: '6390',
  nodeImage: 'node:22.11.0-bookworm-slim',
  redisImage: 'redis:7.2-bookworm',
  haproxyImage: 'haproxy:3.0-bookworm',
  nginxImage: 'nginx:1.27-bookworm',
  appImage: 'wslab-app:next',
  cpuPeriodUs: '50000',
  replicaCpuCores: '0.5',
  replicaMemoryMiB: '256',
  redisCpuCores: '0.25',
  redisMemoryMiB: '128',
  proxyCpuCores: '1',
  proxyMemoryMiB: '64',
};

/** Keys whose change shows only in another setting: compared on a base with these values. */
const CONTEXT: Partial<Record<StackConfigKey, Record<string, string>>> = {
  // the base stack runs HAProxy; the Nginx image matters once the proxy is Nginx
  nginxImage: { 'wslab:proxy': 'nginx' },
  // single Redis has no cluster-node-timeout
  redisNodeTimeoutMs: { 'wslab:redisMode': 'cluster' },
  // only the Swarm program pins Redis nodes to hosts
  swarmHosts: { 'wslab:platform': 'swarm', 'wslab:redisMode': 'cluster' },
  // the CFS period only counts a CPU cap: uncapped, there is no quota to count
  cpuPeriodUs: { 'wslab:replicaCpuCores': '0.5' },
};

/** A bad value per field kind that has no range to go outside of. */
const BAD: Record<string, string> = { switch: 'maybe', text: 'Not An Image!' };

const scratch = mkdtempSync(join(tmpdir(), 'wslab-round-trip-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `wslab up --stack <name>` on a stack file with `config`: what the lab would start. */
function labPlanOf(name: string, config: Record<string, string>): string {
  writeFileSync(join(scratch, `Pulumi.${name}.yaml`), toYaml({ config }));
  const plan = planLocalStart(stackSpec(scratch, name));
  const backends = Array.from({ length: plan.replicas }, (_, i) => ({
    id: `r${i + 1}`,
    host: '127.0.0.1',
    port: 41_001 + i,
  }));
  const configs = plan.proxies.map((kind) => {
    const input = proxyInput(plan.spec, {
      backends,
      listen: { host: '127.0.0.1', port: 40_000 },
      stats: { host: '127.0.0.1', port: 40_001 },
      paths: { runDir: '/run/lab' },
    });
    return kind === 'haproxy' ? renderHaproxyConfig(input) : renderNginxConfig(input);
  });
  const env = plan.replicaEnv({
    port: 41_001,
    instanceId: 'r1',
    // What the local runtime makes per topology with auth jwt (Topology.authJwtSecret).
    ...(plan.spec.auth === 'jwt' ? { authJwtSecret: 'lab-generated-secret-0123456789abcdef' } : {}),
    ...(plan.redis.mode === 'cluster'
      ? { redisClusterNodes: ['127.0.0.1:7000'] }
      : { redisUrl: 'redis://127.0.0.1:6379' }),
  });
  return JSON.stringify({
    redis: plan.redis,
    replicas: plan.replicas,
    proxies: plan.proxies,
    resources: plan.resources,
    env,
    configs,
  });
}

/** What the Pulumi program declares for `config`: every resource with its inputs. */
async function pulumiPlanOf(name: string, config: Record<string, string>): Promise<string> {
  vi.resetModules();
  const run = await runProgram(name, config);
  return JSON.stringify(run.resources.map((r) => [r.type, r.name, r.inputs, r.dependencies]));
}

/** The error line each path reports for `config` (the message without its `in <source>` head). */
function labError(name: string, config: Record<string, string>): string[] {
  try {
    labPlanOf(name, config);
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('the lab accepted the config');
}

async function pulumiError(name: string, config: Record<string, string>): Promise<string[]> {
  try {
    await pulumiPlanOf(name, config);
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('the Pulumi program accepted the config');
}

describe(`round trip of every stack key (base Pulumi.${BASE_STACK}.yaml)`, () => {
  let baseLab: string;
  let basePulumi: string;
  beforeAll(async () => {
    baseLab = labPlanOf('base', base);
    basePulumi = await pulumiPlanOf('base', base);
  });

  it('covers every key, and the base plans are deterministic', async () => {
    expect(Object.keys(CHANGED).sort()).toEqual([...STACK_CONFIG_KEYS].sort());
    expect(labPlanOf('base', base)).toBe(baseLab);
    expect(await pulumiPlanOf('base', base)).toBe(basePulumi);
  });

  it.each(STACK_CONFIG_KEYS)(
    '%s: a changed value changes the lab plan and the Pulumi resources',
    async (key) => {
      const context = CONTEXT[key];
      const before = { ...base, ...context };
      const changed = { ...before, [`wslab:${key}`]: CHANGED[key]! };
      expect(changed[`wslab:${key}`]).not.toBe(before[`wslab:${key}`]);
      const labBefore = context === undefined ? baseLab : labPlanOf('base', before);
      const pulumiBefore = context === undefined ? basePulumi : await pulumiPlanOf('base', before);
      const lab = labPlanOf('base', changed);
      const pulumi = await pulumiPlanOf('base', changed);
      expect(pulumi, 'Pulumi resources').not.toBe(pulumiBefore);
      if (specField(key).meta.scope === 'docker') expect(lab, 'lab plan (Docker-only key)').toBe(labBefore);
      else expect(lab, 'lab plan').not.toBe(labBefore);
    },
  );

  it.each(STACK_CONFIG_KEYS)(
    '%s: a bad value gives the same single error line on both paths',
    async (key) => {
      const field = specField(key);
      const bad = BAD[field.kind] ?? (field.kind === 'enum' ? 'bogus' : 'lots');
      const config = { ...base, [`wslab:${key}`]: bad };
      const fromLab = labError('bad', config);
      expect(fromLab).toHaveLength(1);
      expect(fromLab[0]).toMatch(new RegExp(`^wslab:${key} .*"${bad}"`));
      expect(await pulumiError('bad', config)).toEqual(fromLab);
    },
  );
});

describe('round trip on Kubernetes: every key changes the objects or is documented as not applying', () => {
  const kubeBase = { ...base, 'wslab:platform': 'kubernetes' };
  let basePlan: string;
  beforeAll(async () => {
    basePlan = await pulumiPlanOf('kube', kubeBase);
  });

  it.each(STACK_CONFIG_KEYS.filter((key) => key !== 'platform'))('%s', async (key) => {
    // A context's platform (swarmHosts: swarm) is overridden: this is the Kubernetes program.
    const context = CONTEXT[key];
    const before = { ...kubeBase, ...context, 'wslab:platform': 'kubernetes' };
    const planBefore = context === undefined ? basePlan : await pulumiPlanOf('kube', before);
    const plan = await pulumiPlanOf('kube', { ...before, [`wslab:${key}`]: CHANGED[key]! });
    if (key in NOT_ON_KUBERNETES) expect(plan, NOT_ON_KUBERNETES[key]).toBe(planBefore);
    else expect(plan, 'Kubernetes objects').not.toBe(planBefore);
  });
});

describe('resources become container limits', () => {
  it('caps each component it names, and only those', async () => {
    vi.resetModules();
    const run = await runProgram('limits', {
      ...base,
      'wslab:replicaCpuCores': '0.5',
      'wslab:replicaMemoryMiB': '256',
      'wslab:proxyMemoryMiB': '64',
    });
    const containers = run.byType(TYPES.container);
    const named = (pattern: RegExp) => containers.filter((c) => pattern.test(c.inputs.name as string));
    const limits = (c: (typeof containers)[number]) => [
      c.inputs.cpuPeriod,
      c.inputs.cpuQuota,
      c.inputs.memory,
      c.inputs.memorySwap,
    ];
    // the quota per 100 ms period, as the lab writes it into its cgroups (cpu.max "50000 100000")
    expect(named(/-app-\d+$/).map(limits)).toEqual([
      [100_000, 50_000, 256, 256],
      [100_000, 50_000, 256, 256],
    ]);
    expect(named(/-haproxy$/).map(limits)).toEqual([[undefined, undefined, 64, 64]]);
    expect(named(/-redis-\d+$/).map(limits)).toEqual([[undefined, undefined, undefined, undefined]]);
  });

  it('counts the CPU quota in the spec’s CFS period', async () => {
    vi.resetModules();
    const run = await runProgram('period', {
      ...base,
      'wslab:replicaCpuCores': '0.25',
      'wslab:cpuPeriodUs': '20000',
    });
    const apps = run.byType(TYPES.container).filter((c) => /-app-\d+$/.test(c.inputs.name as string));
    expect(apps.map((c) => [c.inputs.cpuPeriod, c.inputs.cpuQuota, c.inputs.cpus])).toEqual([
      [20_000, 5_000, undefined],
      [20_000, 5_000, undefined],
    ]);
  });
});
