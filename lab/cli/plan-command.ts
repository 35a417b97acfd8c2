import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CapacityPlan,
  type Demand,
  formatPlan,
  type Placement,
  planWithPlacement,
} from '../capacity/deployment-plan.js';
import { writePlanStack } from '../capacity/stack-file.js';
import { capacityCounts } from '../experiments/check/validity.js';
import type { UnitCosts } from '../report/capacity-schema.js';
import { parseResult } from '../report/schema.js';

export interface PlanFlags {
  connections: number;
  publishRate: number;
  fanout: number;
  headroom: number;
  from?: string;
  replicaCpuCores?: number;
  writeStack?: string;
  placement: Placement | 'auto';
}

/** The newest scale report under `reportsDir` with unit costs (full mode first). */
export function latestScaleReport(reportsDir: string): string {
  const dirs = existsSync(reportsDir)
    ? readdirSync(reportsDir)
        .filter((name) => name.endsWith('-scale') && existsSync(join(reportsDir, name, 'result.json')))
        .sort()
        .reverse()
    : [];
  const withCosts = dirs
    .map((name) => ({ dir: join(reportsDir, name), result: readCosts(join(reportsDir, name)) }))
    .filter((entry) => entry.result !== undefined);
  const chosen = withCosts.find((entry) => entry.result?.mode === 'full') ?? withCosts[0];
  if (!chosen) {
    throw new Error(`no scale report with unit costs under ${reportsDir}/; run: npm run wslab -- run scale`);
  }
  return chosen.dir;
}

function readCosts(
  dir: string,
): { mode: string; costs: UnitCosts; replicaCpuCores: number; checks: string[] } | undefined {
  try {
    const result = parseResult(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')));
    const costs = result.capacity?.unitCosts;
    if (!costs || !result.capacity) return undefined;
    return {
      mode: result.mode,
      costs,
      replicaCpuCores: result.capacity.limits.replicaCpuCores,
      checks: costChecks(result),
    };
  } catch {
    return undefined;
  }
}

/** Which checks the costs passed: the model on its held-out count, and the counts it was fitted on. */
function costChecks(result: ReturnType<typeof parseResult>): string[] {
  const checks = (result.capacity?.modelChecks ?? []).map(
    (check) => `${check.passed ? 'passed' : 'FAILED'}: ${check.name} (${check.detail})`,
  );
  if (checks.length === 0) checks.push('not checked: the report has no held-out count with a bracket');
  for (const count of capacityCounts(result))
    checks.push(`FAILED: ${count.run} cannot be trusted: ${count.reasons.join('; ')}`);
  return checks;
}

/**
 * `wslab plan`: the plan and its arithmetic as text (handed to `out` first, so a plan whose stack
 * file the spec rejects is still shown), then the stack file when asked.
 */
export function runPlan(
  flags: PlanFlags,
  projectDir: string,
  out: (text: string) => void = () => {},
): { text: string; plan: CapacityPlan; stackPath?: string } {
  const dir = flags.from ?? latestScaleReport(join(projectDir, 'reports'));
  const measured = readCosts(dir);
  if (!measured) throw new Error(`${dir}: no result.json with unit costs (a scale report from this version)`);
  const plan = planWithPlacement(
    {
      connections: flags.connections,
      publishRatePerS: flags.publishRate,
      fanout: flags.fanout,
      headroom: flags.headroom,
      replicaCpuCores: flags.replicaCpuCores ?? measured.replicaCpuCores,
    },
    measured.costs,
    flags.placement,
  );
  const demand: Demand = {
    connections: flags.connections,
    publishRatePerS: flags.publishRate,
    fanout: flags.fanout,
    headroom: flags.headroom,
    replicaCpuCores: flags.replicaCpuCores ?? measured.replicaCpuCores,
    placement: plan.placement,
  };
  const checks = measured.checks.map((line) => `  ${line}`).join('\n');
  const text = `unit costs from ${dir} (${measured.mode} mode)\nchecks of these costs:\n${checks}\n${formatPlan(plan)}`;
  out(text);
  if (flags.writeStack === undefined) return { text, plan };
  const written = writePlanStack(projectDir, flags.writeStack, plan, demand, dir);
  out(`wrote ${written.path} (checked against the spec)`);
  return { text, plan, stackPath: written.path };
}
