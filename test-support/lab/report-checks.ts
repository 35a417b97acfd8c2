import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EXPERIMENTS } from '../../lab/experiments/index.js';
import { defaultHeadline } from '../../lab/report/default-headline.js';
import { parseResult } from '../../lab/report/schema.js';
import { connectedSteps } from '../../lab/report/timeline.js';
import { cgroupSupport } from '../../runtime/cgroup-support.js';

/** Checks a report directory: valid result.json, report.md with the figures, SVG charts with marks. */
export async function expectValidReport(
  dir: string,
  experiment: string,
  mode: 'short' | 'full' = 'short',
): Promise<void> {
  const result = parseResult(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
  expect(result.experiment).toBe(experiment);
  expect(result.mode).toBe(mode);
  // the checker's judgement, stored beside result.json
  const judgement = JSON.parse(await readFile(join(dir, 'check.json'), 'utf8')) as { conclusions: string[] };
  expect(judgement.conclusions.length).toBeGreaterThan(0);
  const markdown = await readFile(join(dir, 'report.md'), 'utf8');
  expect(markdown).toContain('## Conclusion');
  expect(markdown).toMatch(/\*\*Verdict: (met|NOT met|unknown)/);
  // it opens with the chart that answers the question and the verdict, before the conclusion
  const firstImage = /!\[[^\]]*\]\(([^)]+\.svg)\)/.exec(markdown)?.[1];
  // (experiments without a headline of their own get the latency percentile plot when they measured latency)
  if (EXPERIMENTS[experiment]?.headline !== defaultHeadline) {
    expect(firstImage).toMatch(/^headline-/);
    expect(markdown.indexOf(`(${firstImage})`)).toBeLessThan(markdown.indexOf('## Verdict'));
    expect(markdown.indexOf('## Verdict')).toBeGreaterThan(0);
  }
  if (markdown.includes('## Verdict'))
    expect(markdown.indexOf('## Verdict')).toBeLessThan(markdown.indexOf('## Conclusion'));
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

/**
 * Scale's capacity figures: a bracketing search per replica count (a passing step below a failing
 * one, each failed step repeated), the budget's cap, throttling read where capped, the idle ramp.
 */
function expectCapacity(result: ReturnType<typeof parseResult>, markdown: string): void {
  const capacity = result.capacity;
  expect(capacity).toBeDefined();
  const capped = cgroupSupport().kind !== 'none';
  expect(capacity!.capped).toBe(capped);
  expect(capacity!.budget?.replicaCpuCores).toBe(capacity!.limits.replicaCpuCores);
  const counts = capacity!.perReplicaCount.map((row) => row.replicas);
  expect(counts.length).toBeGreaterThanOrEqual(2);
  // the baseline is bracketed (a loaded CI machine may starve later counts: those say why)
  expect(capacity!.perReplicaCount[0]!.bracket?.failingPerS ?? null).not.toBeNull();
  for (const row of capacity!.perReplicaCount) {
    if (
      row.replicas !== 1 &&
      (row.notMeasured === 'no step passed' || row.notMeasured?.startsWith('machine-bound'))
    ) {
      expect(row.efficiency).toBeNull();
      continue;
    }
    const ofCount = capacity!.steps.filter((step) => step.replicas === row.replicas);
    // the search brackets: a passing and a failing step, the failing one above
    expect(row.bracket, `${row.replicas} replica(s): bracket`).toBeTruthy();
    expect(row.bracket!.failingPerS, `${row.replicas} replica(s): a failing step`).not.toBeNull();
    expect(row.bracket!.failingPerS!).toBeGreaterThan(row.bracket!.passingPerS);
    expect(ofCount.some((s) => s.sustainable && s.offeredDeliveriesPerS === row.bracket!.passingPerS)).toBe(
      true,
    );
    // every failed step was measured again before it counted
    for (const failed of ofCount.filter((s) => !s.sustainable && !s.repeated))
      expect(
        ofCount.some((s) => s.repeated && s.offeredDeliveriesPerS === failed.offeredDeliveriesPerS),
      ).toBe(true);
    if (capped) expect(typeof row.throttledShare).toBe('number');
  }
  expect(capacity!.idleConnections?.points.length).toBeGreaterThan(1);
  expect(markdown).toContain('## Max sustainable delivered rate per replica count');
  expect(markdown).toContain('## Budget: CPU-ms per 1000 deliveries');
}

/**
 * A fault report's timeline comes from the clients' own events: each run with a kill shows the
 * clients that lost their socket at it, the dip in the connected line, and a zoomed panel.
 */
export async function expectFaultTimeline(dir: string, faultKind: string): Promise<void> {
  const result = parseResult(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
  for (const run of result.runs) {
    const fault = run.events.find((event) => event.kind === faultKind);
    expect(fault, `${run.label}: ${faultKind} event`).toBeDefined();
    const disconnects = run.clientEvents.filter((event) => event.kind === 'disconnect');
    expect(disconnects.length, `${run.label}: disconnect events`).toBeGreaterThan(0);
    // the first socket closed right after the fault, to the millisecond (not at the next poll)
    expect(disconnects[0]!.tMs - fault!.tMs).toBeGreaterThanOrEqual(0);
    expect(disconnects[0]!.tMs - fault!.tMs).toBeLessThan(1_000);
    const steps = connectedSteps(run);
    expect(Math.min(...steps.map((step) => step.connected))).toBeLessThan(run.clients ?? 0);
  }
  expect((await readdir(dir)).includes('fault-zoom.svg')).toBe(true);
}
