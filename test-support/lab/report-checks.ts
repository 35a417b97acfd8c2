import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseResult } from '../../lab/report/schema.js';
import { cgroupSupport } from '../../runtime/cgroup.js';

/** Checks a report directory: valid result.json, report.md with the figures, SVG charts with marks. */
export async function expectValidReport(
  dir: string,
  experiment: string,
  mode: 'short' | 'full' = 'short',
): Promise<void> {
  const result = parseResult(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
  expect(result.experiment).toBe(experiment);
  expect(result.mode).toBe(mode);
  expect(result.conclusions.length).toBeGreaterThan(0);
  const markdown = await readFile(join(dir, 'report.md'), 'utf8');
  expect(markdown).toContain('## Conclusion');
  for (const run of result.runs) expect(markdown).toContain(`| ${run.label} |`);
  const charts = (await readdir(dir)).filter((file) => file.endsWith('.svg'));
  expect(charts.length).toBeGreaterThan(0);
  for (const chart of charts) {
    const svg = await readFile(join(dir, chart), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*class="marks"/);
    expect(svg).toMatch(/role-mark/);
    expect(markdown).toContain(`(${chart})`);
  }
  expect(await readFile(join(dir, 'index.html'), 'utf8')).toContain('<img src=');
  if (experiment === 'scale') expectCapacity(result, markdown);
}

/** Scale's capacity figures: a search per replica count, the caps applied (or marked), the idle ramp. */
function expectCapacity(result: ReturnType<typeof parseResult>, markdown: string): void {
  const capacity = result.capacity;
  expect(capacity).toBeDefined();
  expect(capacity!.capped).toBe(cgroupSupport().kind !== 'none');
  const counts = capacity!.perReplicaCount.map((row) => row.replicas);
  expect(counts.length).toBeGreaterThanOrEqual(2);
  for (const count of counts) expect(capacity!.steps.some((step) => step.replicas === count)).toBe(true);
  expect(capacity!.idleConnections?.points.length).toBeGreaterThan(1);
  expect(markdown).toContain('## Max sustainable delivered rate per replica count');
}
