import { existsSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_NAMESPACE,
  parseConfigMap,
  type StackConfig,
  stackFilePath,
} from '../../topology/stack-config.js';
import type { CapacityPlan, Demand } from './deployment-plan.js';

/** The stack keys a plan sets (every other key keeps the spec's default). */
export function planStackValues(plan: CapacityPlan): Record<string, string> {
  return {
    proxy: 'haproxy',
    stickiness: plan.placement === 'room' ? 'room' : 'cookie',
    replicas: String(plan.replicas),
    replicaCpuCores: String(plan.replicaCpuCores),
    replicaMemoryMiB: String(plan.replicaMemoryMiB),
    // one Redis carries the plan's publishes; more need sharded pub/sub (the cluster)
    redisMode: plan.redisShards > 1 ? 'cluster' : 'single',
    redisCpuCores: '1',
    proxyWorkers: String(plan.proxyWorkers),
    proxyCpuCores: String(plan.proxyCores),
  };
}

/** `Pulumi.<name>.yaml` text for the plan, with the demand it was made for in its comments. */
export function renderPlanStack(name: string, plan: CapacityPlan, demand: Demand, source: string): string {
  const lines = [
    `# Stack "${name}": written by \`wslab plan\` from the unit costs in ${source}`,
    `# for ${demand.connections} connections, ${demand.publishRatePerS} publishes/s, fan-out ${demand.fanout}, headroom ${demand.headroom}.`,
    `#   pulumi stack init ${name} && pulumi up`,
    ...plan.warnings.map((warning) => `# note: ${warning}`),
    'config:',
    ...Object.entries(planStackValues(plan)).map(
      ([key, value]) => `  ${CONFIG_NAMESPACE}:${key}: ${JSON.stringify(value)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Parses stack text as the Pulumi program and `wslab up --stack` do; throws the spec's errors. */
export function parseStackText(text: string, source: string): StackConfig {
  const document = parseYaml(text) as { config?: Record<string, unknown> };
  return parseConfigMap(document.config ?? {}, source);
}

/**
 * Writes `Pulumi.<name>.yaml` in `projectDir` after checking it against the spec; never replaces
 * an existing stack file (the example stacks live beside it).
 */
export function writePlanStack(
  projectDir: string,
  name: string,
  plan: CapacityPlan,
  demand: Demand,
  source: string,
): { path: string; config: StackConfig } {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`stack name "${name}": letters, digits, _ . - only`);
  const path = stackFilePath(projectDir, name);
  if (existsSync(path)) throw new Error(`${path} exists; choose another stack name`);
  const text = renderPlanStack(name, plan, demand, source);
  const config = parseStackText(text, path);
  writeFileSync(path, text);
  return { path, config };
}
