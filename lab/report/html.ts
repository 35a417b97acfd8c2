import type { ChartSpec } from './charts.js';
import type { ExperimentResult } from './schema.js';
import { invalidRunLines, type ReportTable } from './tables.js';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function tableHtml(table: ReportTable): string {
  const head = table.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h2>${escapeHtml(table.title)}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** index.html: a self-contained page (no scripts) showing the conclusion, tables and the SVG charts. */
export function renderHtml(result: ExperimentResult, tables: ReportTable[], charts: ChartSpec[]): string {
  const conclusions = result.conclusions.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n');
  const invalid = invalidRunLines(result);
  const invalidBox =
    invalid.length === 0
      ? ''
      : `<div class="invalid"><h2>⚠ Invalid runs</h2>\n<p>The load generator fell behind its own send schedule ` +
        `in these runs: their latency includes the runner's delay. Do not compare their figures.</p>\n<ul>\n` +
        `${invalid.map((line) => `<li><strong>INVALID</strong> ${escapeHtml(line)}</li>`).join('\n')}\n</ul></div>`;
  const chartFigures = charts
    .map(
      (chart) =>
        `<figure><img src="${escapeHtml(chart.file)}" alt="${escapeHtml(chart.title)}">` +
        `<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(result.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; } figcaption { color: #555; font-size: 0.9rem; }
.invalid { border: 2px solid #b00020; background: #fdecea; padding: 0 1rem; margin: 1rem 0; }
</style>
</head>
<body>
<h1>${escapeHtml(result.title)}</h1>
<p>Experiment <code>${escapeHtml(result.experiment)}</code> (${result.mode} mode), ${escapeHtml(result.startedAt)}.</p>
${result.question ? `<p><strong>Question.</strong> ${escapeHtml(result.question)}</p>` : ''}
${invalidBox}
<h2>Conclusion</h2>
<ul>
${conclusions}
</ul>
${tables.map(tableHtml).join('\n')}
<h2>Charts</h2>
${chartFigures}
<p><a href="report.md">report.md</a> · <a href="result.json">result.json</a></p>
</body>
</html>
`;
}
