import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../test-support/lab/write-report.js';
import { buildProgram } from '../cli/wslab.js';
import { failoverReplicaHeadline } from '../experiments/failover-replica/headline.js';
import { compareResults, writeComparison } from './compare.js';
import { parseResult } from './schema.js';
import { syntheticResult } from './synthetic.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wslab-compare-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The synthetic failover result, then B: HAProxy reconnects twice as fast and loses nothing. */
function pair() {
  const a = parseResult({ ...syntheticResult(), experiment: 'failover-replica' });
  const b = structuredClone(a);
  const haproxy = b.runs[1]!;
  haproxy.reconnectMs = haproxy.reconnectMs.map((ms) => ms / 2);
  haproxy.messages!.lost = 0;
  // a run only B has
  b.runs.push({ ...structuredClone(b.runs[2]!), label: 'nginx/cookie' });
  return { a, b };
}

describe('compareResults', () => {
  it('puts every headline figure of A and B side by side with its delta and direction', () => {
    const { a, b } = pair();
    const comparison = compareResults(
      { dir: 'A', result: a },
      { dir: 'B', result: b },
      failoverReplicaHeadline,
    );
    const figure = (run: string, name: string) =>
      comparison.figures.find((entry) => entry.run === run && entry.figure === name)!;
    const p99 = figure('haproxy', 'reconnect p99 (ms)');
    expect(p99.b).toBeCloseTo(p99.a! / 2, 9);
    expect(p99.delta).toBeCloseTo(-p99.a! / 2, 9);
    expect(p99.deltaPercent).toBeCloseTo(-50, 9);
    expect(p99.verdict).toBe('better');
    expect(figure('haproxy', 'lost')).toMatchObject({ a: 10, b: 0, delta: -10, verdict: 'better' });
    expect(figure('nginx', 'lost')).toMatchObject({ a: 10, b: 10, delta: 0, verdict: 'same' });
    // recovered: higher is better, so fewer recovered messages is worse
    expect(figure('direct', 'recovered').verdict).toBe('same');
    expect(figure('nginx/cookie', 'lost')).toMatchObject({ a: undefined, b: 10, verdict: undefined });
  });

  it('refuses to compare two different experiments', () => {
    const { a } = pair();
    const other = { ...a, experiment: 'scale' };
    expect(() =>
      compareResults({ dir: 'A', result: a }, { dir: 'B', result: other }, failoverReplicaHeadline),
    ).toThrow(/cannot compare failover-replica \(A\) with scale \(B\)/);
  });
});

describe('wslab report --compare', () => {
  it('writes compare.md and compare.html from two report directories', async () => {
    const { a, b } = pair();
    const dirA = join(root, 'a');
    const dirB = join(root, 'b');
    await writeReport(dirA, a);
    await writeReport(dirB, b);
    const out = join(root, 'out');
    await buildProgram().parseAsync(['node', 'wslab', 'report', '--compare', dirA, dirB, '--out', out]);
    const markdown = await readFile(join(out, 'compare.md'), 'utf8');
    expect(markdown).toContain('| run | figure | A | B | Δ (B − A) | Δ % | B vs A |');
    expect(markdown).toContain('| haproxy | lost | 10 | 0 | -10 | -100 % | better |');
    const html = await readFile(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('<td class="better">-10</td>');
    expect(html).toContain('href="../a/index.html"');
    await expect(writeComparison(dirA, join(root, 'missing'), () => failoverReplicaHeadline)).rejects.toThrow(
      /result\.json/,
    );
  });
});
