import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../test-support/lab/write-report.js';
import { parseResult } from './schema.js';
import { empiricalCdf, summarize } from './stats.js';
import { syntheticResult } from './synthetic.js';
import type { WrittenReport } from './write.js';

let dir: string;
let written: WrittenReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wslab-report-'));
  written = await writeReport(dir, syntheticResult());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Count of drawn marks of a given Vega mark type in an SVG. */
function markCount(svg: string, markType: string): number {
  return svg.split(`class="mark-${markType} role-mark`).length - 1;
}

describe('stats', () => {
  it('summarises with nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(summarize(samples)).toEqual({ count: 100, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(summarize([])).toMatchObject({ count: 0, p99: 0 });
  });

  it('thins a CDF but keeps its tail', () => {
    const cdf = empiricalCdf(Array.from({ length: 10_000 }, (_, index) => index));
    expect(cdf.length).toBeLessThanOrEqual(201);
    expect(cdf.at(-1)).toEqual({ latencyMs: 9_999, fraction: 1 });
  });
});

describe('report', () => {
  it('writes a result.json that validates and round-trips', async () => {
    const result = parseResult(JSON.parse(await readFile(written.resultPath, 'utf8')));
    expect(result.runs.map((run) => run.label)).toEqual(['direct', 'haproxy', 'nginx']);
  });

  it('rejects a result with a missing field, naming it', () => {
    const bad = { ...syntheticResult(), runs: [] };
    expect(() => parseResult(bad)).toThrow(/runs/);
  });

  it('renders each chart as an SVG with drawn marks', async () => {
    const files = written.chartPaths.map((path) => path.split('/').at(-1));
    expect(files).toEqual([
      // the headline chart first (the synthetic experiment has none of its own: the default one)
      'latency-percentiles.svg',
      'latency-percentiles.svg',
      'throughput-vs-replicas.svg',
      'client-timeline.svg',
      'fault-zoom.svg',
      'reconnect-cdf.svg',
      'connections-per-replica.svg',
      'cpu-per-component.svg',
    ]);
    for (const path of written.chartPaths) {
      const svg = await readFile(path, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    const percentiles = await readFile(join(dir, 'latency-percentiles.svg'), 'utf8');
    // one line per run, and the legend names each run
    expect(markCount(percentiles, 'line')).toBe(3);
    for (const label of ['direct', 'haproxy', 'nginx']) expect(percentiles).toContain(`>${label}</text>`);
    // the axis runs from p50 to p99.99 and the max, every point of each run drawn
    for (const tick of ['p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max'])
      expect(percentiles).toContain(`>${tick}</text>`);
    expect(percentiles.split('aria-roledescription="point"').length - 1).toBe(3 * 21);
    const throughput = await readFile(join(dir, 'throughput-vs-replicas.svg'), 'utf8');
    expect(markCount(throughput, 'symbol')).toBe(1);
    expect(markCount(throughput, 'line')).toBe(1);
    const cpu = await readFile(join(dir, 'cpu-per-component.svg'), 'utf8');
    expect(markCount(cpu, 'rect')).toBe(1);
    // one bar per run × component, labelled with its figure
    expect(cpu.split('aria-roledescription="bar"').length - 1).toBe(6);
    expect(cpu).toContain('component: replica-1; CPU (s): 2.5; run: haproxy');
  });

  it('writes report.md with the figures, conclusion and chart links', async () => {
    const markdown = await readFile(written.markdownPath, 'utf8');
    const result = parseResult(syntheticResult());
    const haproxy = result.runs[1]!;
    const runsTable = markdown.split('### Runs')[1] ?? '';
    const row = runsTable.split('\n').find((line) => line.startsWith('| haproxy |'));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${haproxy.latencyMs!.p50.toFixed(2)} |`);
    expect(row).toContain('| 49990 |'); // delivered
    // no experiment of that name: only the shared validity checks judge it
    expect(markdown).toContain('**Verdict: met**');
    expect(markdown).toContain('No conclusion was drawn from this run.');
    expect(markdown).toContain('| p50 (ms) | p95 (ms) | p99 (ms) |');
    expect(markdown).toContain('| publishResumeMs |');
    expect(markdown).toContain('| haproxy | replica-1 | 4242 | 2.50 |');
    expect(markdown).toContain('](latency-percentiles.svg)');
    expect(markdown).toContain('2 × Test CPU');
  });

  it('opens with the headline chart and the verdict, then the conclusion, then the details', async () => {
    const markdown = await readFile(written.markdownPath, 'utf8');
    const order = [
      '**Question.**',
      '](latency-percentiles.svg)',
      '## Verdict',
      '## Conclusion',
      '## Details',
    ];
    const positions = order.map((marker) => markdown.indexOf(marker));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(markdown).toContain('| run | p50 (ms) | p99 (ms) | delivered/s | lost |');
    const html = await readFile(written.htmlPath, 'utf8');
    expect(html.indexOf('<figure class="headline">')).toBeLessThan(html.indexOf('<h2>Verdict</h2>'));
    expect(html.indexOf('<h2>Verdict</h2>')).toBeLessThan(html.indexOf('<h2>Conclusion</h2>'));
    // every table sits in a box that scrolls sideways instead of widening the page
    expect(html.split('<table>').length).toBe(html.split('<div class="table-scroll"><table>').length);
  });

  it('leaves out verdict columns no run has, and the verdict when none is left', async () => {
    const result = syntheticResult();
    const noLatency = result.runs.map((run) => {
      const { latencyMs: _latency, latencyPercentiles: _percentiles, deliveredPerS: _rate, ...rest } = run;
      return rest;
    });
    const partial = await writeReport(join(dir, 'partial'), { ...result, runs: noLatency });
    const markdown = await readFile(partial.markdownPath, 'utf8');
    expect(markdown).toContain('| run | lost |');
    const none = await writeReport(join(dir, 'none'), {
      ...result,
      runs: noLatency.map(({ messages: _messages, ...rest }) => rest),
    });
    expect(await readFile(none.markdownPath, 'utf8')).not.toContain('## Verdict');
  });

  it('writes an index.html that embeds every chart and escapes text', async () => {
    const html = await readFile(written.htmlPath, 'utf8');
    for (const path of written.chartPaths) expect(html).toContain(`<img src="${path.split('/').at(-1)}"`);
    expect(html).toContain('<td>haproxy</td>');
    const result = syntheticResult();
    const hostile = join(dir, 'hostile');
    await writeReport(hostile, { ...result, title: '<script>alert(1)</script>' });
    expect(await readFile(join(hostile, 'index.html'), 'utf8')).toContain('&lt;script&gt;');
  });

  it('marks invalid runs plainly and shows arrivals and the load lag in the parameters', async () => {
    const result = syntheticResult();
    const reason = 'load generator fell behind its schedule: shard 0 scheduling lag p99 42 ms > bound 5 ms';
    const runs = result.runs.map((run, index) => ({
      ...run,
      parameters: { ...run.parameters, arrivals: 'uniform' },
      validity:
        index === 2
          ? {
              valid: false,
              reasons: [reason],
              schedulingLagP99Ms: 42,
              schedulingLagMaxMs: 310,
              boundP99Ms: 5,
            }
          : { valid: true, reasons: [], schedulingLagP99Ms: 1.2, schedulingLagMaxMs: 3.5, boundP99Ms: 5 },
    }));
    const invalidDir = join(dir, 'invalid');
    const report = await writeReport(invalidDir, { ...result, runs });
    const markdown = await readFile(report.markdownPath, 'utf8');
    // Above the conclusions, so nobody reads the figures first.
    expect(markdown.indexOf('## ⚠ Invalid runs')).toBeGreaterThan(0);
    expect(markdown.indexOf('## ⚠ Invalid runs')).toBeLessThan(markdown.indexOf('## Conclusion'));
    expect(markdown).toContain(`- **INVALID** nginx: ${reason}`);
    expect(markdown).not.toContain('**INVALID** haproxy');
    expect(markdown.split('\n').some((line) => line.startsWith('| nginx (INVALID) |'))).toBe(true);
    // the verdict names it too
    expect((markdown.split('## Verdict')[1] ?? '').split('## Conclusion')[0]).toContain(
      '| nginx (INVALID) |',
    );
    expect(markdown).toContain(
      '| arrivals | load lag p99 (ms) | load lag max (ms) | lag bound p99 (ms) | valid |',
    );
    expect(markdown).toContain('| uniform | 1.20 | 3.50 | 5 | yes |');
    expect(markdown).toContain('| uniform | 42 | 310 | 5 | INVALID |');
    const html = await readFile(report.htmlPath, 'utf8');
    expect(html).toContain('<div class="invalid"><h2>⚠ Invalid runs</h2>');
    expect(html).toContain('<td>nginx (INVALID)</td>');
    expect(await readFile(join(invalidDir, 'latency-percentiles.svg'), 'utf8')).toContain(
      '>nginx (INVALID)</text>',
    );
    // A run without a schedule (or an older result) shows no mark.
    expect(markdown).not.toContain('direct (INVALID)');
  });
});
