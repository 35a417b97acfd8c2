import type { ChartSpec } from './charts.js';
import type { ReportContent } from './content.js';
import { type Judgement, verdictLine } from './judgement.js';
import type { ExperimentResult } from './schema.js';
import { invalidRunLines, type ReportTable } from './tables.js';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** A table in a box that scrolls sideways when the table is wider than the page. */
export function tableHtml(table: ReportTable, heading = 'h2'): string {
  const head = table.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return (
    `<${heading}>${escapeHtml(table.title)}</${heading}>\n<div class="table-scroll"><table><thead><tr>${head}</tr></thead><tbody>\n` +
    `${body}\n</tbody></table></div>`
  );
}

function figureHtml(chart: ChartSpec, className = ''): string {
  return (
    `<figure${className ? ` class="${className}"` : ''}><img src="${escapeHtml(chart.file)}" alt="${escapeHtml(chart.title)}">` +
    `<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`
  );
}

/**
 * The page style of reports and comparisons: readable at 1280 px, nothing wider than the page
 * (tables scroll inside their box, charts shrink to fit).
 */
export const PAGE_STYLE = `
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; overflow-wrap: anywhere; }
.table-scroll { max-width: 100%; overflow-x: auto; margin: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; overflow-wrap: normal; }
th { background: #f4f4f4; }
th:first-child, td:first-child { text-align: left; }
td.better { color: #0a7d28; } td.worse { color: #b00020; }
figure { margin: 1rem 0; max-width: 100%; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
figure.headline { border: 1px solid #ddd; padding: 0.5rem; }
.invalid { border: 2px solid #b00020; background: #fdecea; padding: 0 1rem; margin: 1rem 0; }
`;

/**
 * index.html: a self-contained page (no scripts): the question, the chart that answers it and the
 * verdict table, the conclusion, then the details (tables and charts).
 */
export function renderHtml(result: ExperimentResult, content: ReportContent, judgement: Judgement): string {
  const conclusions = judgement.conclusions.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n');
  const invalid = invalidRunLines(judgement);
  const invalidBox =
    invalid.length === 0
      ? ''
      : `<div class="invalid"><h2>⚠ Invalid runs</h2>\n<p>The checker does not trust the figures of these runs ` +
        `(a load generator behind its schedule, an impossible figure, or a count bound by the machine). Do not compare their figures.</p>\n<ul>\n` +
        `${invalid.map((line) => `<li><strong>INVALID</strong> ${escapeHtml(line)}</li>`).join('\n')}\n</ul></div>`;
  const notes = result.notes.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(result.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(result.title)}</h1>
<p>Experiment <code>${escapeHtml(result.experiment)}</code> (${result.mode} mode), ${escapeHtml(result.startedAt)}.</p>
${result.question ? `<p><strong>Question.</strong> ${escapeHtml(result.question)}</p>` : ''}
${invalidBox}
${content.headlineChart ? figureHtml(content.headlineChart, 'headline') : ''}
${content.verdict ? tableHtml(content.verdict) : ''}
<h2>Conclusion</h2>
<p><strong>${escapeHtml(verdictLine(judgement))}</strong></p>
<ul>
${conclusions}
</ul>
<h2>Details</h2>
${content.tables.map((table) => tableHtml(table, 'h3')).join('\n')}
${content.charts.length > 0 ? '<h3>Charts</h3>' : ''}
${content.charts.map((chart) => figureHtml(chart)).join('\n')}
${notes ? `<h2>Notes</h2>\n<ul>\n${notes}\n</ul>` : ''}
<p><a href="report.md">report.md</a> · <a href="result.json">result.json</a></p>
</body>
</html>
`;
}
