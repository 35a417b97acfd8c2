import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { formatNumber, markdownTable } from './format.js';
import type { Better, Headline } from './headline.js';
import { escapeHtml, PAGE_STYLE } from './html.js';
import { readResult } from './result-file.js';
import type { ExperimentResult } from './schema.js';

/** One headline figure of one run in both reports. */
export interface ComparedFigure {
  run: string;
  figure: string;
  better: Better;
  a: number | undefined;
  b: number | undefined;
  /** b − a (undefined when either is missing). */
  delta: number | undefined;
  /** (b − a) / |a| × 100 (undefined when a is 0 or missing). */
  deltaPercent: number | undefined;
  /** Whether B is better, worse or the same as A by the figure's direction; undefined when not comparable. */
  verdict: 'better' | 'worse' | 'same' | undefined;
}

export interface Comparison {
  experiment: string;
  a: { dir: string; result: ExperimentResult };
  b: { dir: string; result: ExperimentResult };
  figures: ComparedFigure[];
}

function verdictOf(better: Better, delta: number | undefined): ComparedFigure['verdict'] {
  if (delta === undefined) return undefined;
  if (delta === 0) return 'same';
  return delta < 0 === (better === 'lower') ? 'better' : 'worse';
}

/**
 * Every headline figure of A and B side by side, runs matched by name (a run only one report has
 * shows with the other side empty). Both must come from the same experiment.
 */
export function compareResults(
  a: { dir: string; result: ExperimentResult },
  b: { dir: string; result: ExperimentResult },
  headline: Headline,
): Comparison {
  if (a.result.experiment !== b.result.experiment)
    throw new Error(
      `cannot compare ${a.result.experiment} (${a.dir}) with ${b.result.experiment} (${b.dir}): not the same experiment`,
    );
  const verdictA = headline.verdict(a.result);
  const verdictB = headline.verdict(b.result);
  const keys = [...new Set([...verdictA.rows, ...verdictB.rows].map((row) => row.key))];
  const figures = keys.flatMap((key) => {
    const rowA = verdictA.rows.find((row) => row.key === key);
    const rowB = verdictB.rows.find((row) => row.key === key);
    return verdictB.columns.map((column) => {
      const valueA = rowA?.figures[column.name];
      const valueB = rowB?.figures[column.name];
      const delta = valueA === undefined || valueB === undefined ? undefined : valueB - valueA;
      return {
        run: key,
        figure: column.name,
        better: column.better,
        a: valueA,
        b: valueB,
        delta,
        deltaPercent: delta === undefined || !valueA ? undefined : (delta / Math.abs(valueA)) * 100,
        verdict: verdictOf(column.better, delta),
      };
    });
  });
  return { experiment: b.result.experiment, a, b, figures };
}

const signed = (value: number | undefined, suffix = '') =>
  value === undefined ? '–' : `${value > 0 ? '+' : ''}${formatNumber(value)}${suffix}`;

const HEADER = ['run', 'figure', 'A', 'B', 'Δ (B − A)', 'Δ %', 'B vs A'];

function rowsOf(comparison: Comparison): string[][] {
  return comparison.figures.map((figure) => [
    figure.run,
    figure.figure,
    formatNumber(figure.a),
    formatNumber(figure.b),
    signed(figure.delta),
    signed(figure.deltaPercent, ' %'),
    figure.verdict ?? '–',
  ]);
}

function describeSide(label: string, dir: string, result: ExperimentResult): string {
  return `${label}: ${dir} (${result.mode} mode, ${result.startedAt})`;
}

/** compare.md: both reports named, then every headline figure with its delta. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const { a, b } = comparison;
  return [
    `# ${b.result.title}: A vs B`,
    '',
    `- ${describeSide('A', a.dir, a.result)}`,
    `- ${describeSide('B', b.dir, b.result)}`,
    '',
    `Headline figures of \`${comparison.experiment}\`; "B vs A" says whether B is better by each figure's direction ` +
      '(lower latency, loss, CPU; higher throughput).',
    '',
    markdownTable(HEADER, rowsOf(comparison)),
    '',
  ].join('\n');
}

/** compare.html: the same table, better and worse coloured, each report linked. */
export function renderComparisonHtml(comparison: Comparison, outDir: string): string {
  const { a, b } = comparison;
  const link = (dir: string) => escapeHtml(join(relative(outDir, dir), 'index.html'));
  const head = HEADER.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = rowsOf(comparison)
    .map((cells, index) => {
      const verdict = comparison.figures[index]?.verdict;
      const cls = verdict === 'better' || verdict === 'worse' ? ` class="${verdict}"` : '';
      return `<tr>${cells.map((cell, column) => `<td${column >= 4 ? cls : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(b.result.title)}: A vs B</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(b.result.title)}: A vs B</h1>
<ul>
<li>A: <a href="${link(a.dir)}">${escapeHtml(a.dir)}</a> (${a.result.mode} mode, ${escapeHtml(a.result.startedAt)})</li>
<li>B: <a href="${link(b.dir)}">${escapeHtml(b.dir)}</a> (${b.result.mode} mode, ${escapeHtml(b.result.startedAt)})</li>
</ul>
<p>Headline figures of <code>${escapeHtml(comparison.experiment)}</code>; green: B better, red: B worse (lower latency, loss, CPU; higher throughput).</p>
<div class="table-scroll"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>
</body>
</html>
`;
}

/** Where `wslab report --compare A B` writes when no --out is given: beside the two reports. */
export function comparisonDirName(dirA: string, dirB: string): string {
  return join(resolve(dirB, '..'), `compare-${basename(resolve(dirA))}-vs-${basename(resolve(dirB))}`);
}

/** `wslab report --compare <dirA> <dirB>`: writes compare.md and compare.html; returns their paths. */
export async function writeComparison(
  dirA: string,
  dirB: string,
  /** The experiment's headline (its verdict columns are the figures compared). */
  headlineOf: (experiment: string) => Headline,
  outDir = comparisonDirName(dirA, dirB),
): Promise<{ markdownPath: string; htmlPath: string; comparison: Comparison }> {
  const b = { dir: dirB, result: await readResult(dirB) };
  const comparison = compareResults(
    { dir: dirA, result: await readResult(dirA) },
    b,
    headlineOf(b.result.experiment),
  );
  await mkdir(outDir, { recursive: true });
  const markdownPath = join(outDir, 'compare.md');
  const htmlPath = join(outDir, 'compare.html');
  await writeFile(markdownPath, renderComparisonMarkdown(comparison));
  await writeFile(htmlPath, renderComparisonHtml(comparison, outDir));
  return { markdownPath, htmlPath, comparison };
}
