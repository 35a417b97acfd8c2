import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { renderHaproxyConfig } from '../../haproxy/render.js';
import { stackSpec } from '../../lab/cli/up.js';
import { renderNginxConfig } from '../../nginx/render.js';
import type { ProxyOptions } from '../../proxy/options.js';
import { localProxyOptions } from '../../runtime/local/local-load-balancer.js';
import { planLocalStart } from '../../runtime/local/start-plan.js';
import { prepareProxyOptions } from '../../runtime/proxy-launch.js';
import { proxySettings } from '../../topology/proxy-input.js';
import { tunnelTimeoutMsOf } from '../../topology/spec.js';
import type { StackConfig } from '../../topology/stack-config.js';
import { CONTAINER_PROXY } from '../container-proxy.js';
import { K8S_TYPES, type ProgramRun, REPO_ROOT, runProgram, stackFileConfig, TYPES } from './harness.js';

/**
 * The same stack file gives the same proxy config in the lab (`wslab up --stack`) and in Pulumi:
 * the spec and the placement-free renderer input are deeply equal, and the two rendered texts
 * are byte-for-byte equal once placement (backend addresses and ids, listen addresses, file
 * paths, where access logs go) is replaced by the same tokens on both sides.
 */
const scratch = mkdtempSync(join(tmpdir(), 'wslab-same-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Placement of one side: what each token stands for there (longest text replaced first). */
type Placement = [text: string, token: string][];

function substitute(text: string, placement: Placement): string {
  let out = text;
  for (const [from, token] of [...placement].sort((a, b) => b[0].length - a[0].length)) {
    out = out.replace(
      new RegExp(`(?<![\\w.-])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'),
      token,
    );
  }
  // Access logs: off in the lab (CPU on a shared 2-core machine), to stdout under Docker.
  return nameResolution(out.replace(/^(\s*access_log) .*;$/m, '$1 <access-log>;'));
}

/**
 * Name resolution is placement too: the lab dials IP literals (HAProxy resolves once at start),
 * Docker dials container names that HAProxy re-resolves through Docker's DNS (its `resolvers`
 * section and the servers' `resolvers … init-addr …` options). Nginx renders neither.
 */
function nameResolution(text: string): string {
  return text
    .replace(/^resolvers \S+\n(?:[ \t]+.*\n)*\n/m, '')
    .replace(/(?:resolvers \S+ )?init-addr \S+(?: resolve-prefer ipv4)?/g, '<name-resolution>');
}

function placementOf(options: ProxyOptions, backendIds: string[]): Placement {
  const placement: Placement = [
    [`${options.listen.host}:${options.listen.port}`, '<listen>'],
    [`${options.stats.host}:${options.stats.port}`, '<stats>'],
    [String(options.stats.port), '<stats-port>'],
    [String(options.listen.port), '<listen-port>'],
  ];
  for (const [key, value] of Object.entries(options.paths)) {
    if (typeof value === 'string') placement.push([value, `<${key}>`]);
  }
  options.backends.forEach((backend, index) => {
    placement.push([`${backend.host}:${backend.port}`, `<backend-${index + 1}>`]);
    placement.push([backendIds[index]!, `<id-${index + 1}>`]);
  });
  return placement;
}

/** Where Pulumi puts the rendered config and names the replicas, per platform. */
const CARRIERS = {
  docker: {
    text: (run: ProgramRun, name: string, kind: string) => {
      const container = run.byType(TYPES.container).find((c) => c.inputs.name === `wslab-${name}-${kind}`)!;
      return (container.inputs.uploads as { content: string }[])[0]!.content;
    },
    backend: (name: string, i: number) => ({
      id: `app-${i + 1}`,
      host: `wslab-${name}-app-${i + 1}`,
      port: 8080,
    }),
  },
  // The ConfigMap the proxy Deployment mounts; replicas are StatefulSet pods behind a headless Service.
  kubernetes: {
    text: (run: ProgramRun, name: string, kind: string) => {
      const map = run.byType(K8S_TYPES.configMap).find((c) => c.name === 'proxy-config')!;
      const data = map.inputs.data as Record<string, string>;
      expect((map.inputs.metadata as { name: string }).name).toBe(`wslab-${name}-${kind}-config`);
      return Object.values(data)[0]!;
    },
    backend: (name: string, i: number) => ({
      id: `app-${i}`,
      host: `wslab-${name}-app-${i}.wslab-${name}-app`,
      port: 8080,
    }),
  },
} as const;

describe.each([
  ['haproxy', 'docker'],
  ['nginx', 'docker'],
  ['single-redis', 'docker'],
  ['k8s-haproxy', 'kubernetes'],
  ['k8s-nginx', 'kubernetes'],
] as const)('stack %s (%s): one proxy config in the lab and in Pulumi', (name, platform) => {
  it('has the same spec, the same renderer input and the same rendered text', async () => {
    // The lab: what `wslab up --stack <name>` plans and hands its proxy launcher.
    const labSpec = stackSpec(REPO_ROOT, name);
    const plan = planLocalStart(labSpec);
    const [kind] = plan.proxies;
    expect(plan.proxies).toEqual([labSpec.proxy]);
    const labBackends = Array.from({ length: plan.replicas }, (_, i) => ({
      id: `r${i + 1}`,
      host: '127.0.0.1',
      port: 41_001 + i,
    }));
    const labDir = join(scratch, name);
    const labOptions = await prepareProxyOptions(
      join(labDir, kind!),
      localProxyOptions(plan.proxy, labBackends, join(labDir, 'sockets')),
    );
    const labText = kind === 'haproxy' ? renderHaproxyConfig(labOptions) : renderNginxConfig(labOptions);

    // Pulumi: the program under mocks with the same stack file.
    vi.resetModules();
    const run = await runProgram(name, stackFileConfig(name));
    const deployed = run.outputs.deployedSpec as StackConfig;
    expect(deployed).toEqual(labSpec);
    expect(proxySettings(deployed)).toEqual(plan.proxy);
    expect(deployed.platform).toBe(platform);
    const pulumiText = CARRIERS[platform].text(run, name, kind!);
    const pulumiOptions = {
      ...labOptions,
      listen: { host: '0.0.0.0', port: CONTAINER_PROXY.listenPort },
      stats: { host: '0.0.0.0', port: CONTAINER_PROXY.statsPort },
      backends: labBackends.map((_, i) => CARRIERS[platform].backend(name, i)),
      paths: { ...labOptions.paths, ...CONTAINER_PROXY[kind!].paths },
    } as ProxyOptions;

    const labTokens = substitute(
      labText,
      placementOf(
        labOptions,
        labBackends.map((b) => b.id),
      ),
    );
    const pulumiTokens = substitute(
      pulumiText,
      placementOf(
        pulumiOptions,
        pulumiOptions.backends.map((b) => b.id),
      ),
    );
    expect(pulumiTokens).toBe(labTokens);
    // HAProxy re-resolves replica names under Docker and Kubernetes (a replaced replica changes
    // address); the lab's does not.
    expect(pulumiText.includes('nameserver')).toBe(kind === 'haproxy');
    expect(labText).not.toContain('nameserver');
    // Not vacuous: the shared text carries the stack's stickiness and timeouts.
    expect(labTokens).toContain(String(tunnelTimeoutMsOf(labSpec) / 1000));
    expect(labTokens).not.toContain('127.0.0.1:41001');
  });
});
