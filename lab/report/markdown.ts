import type { ReportContent } from './content.js';
import { formatMiB, markdownTable } from './format.js';
import { type Judgement, verdictLine } from './judgement.js';
import type { ExperimentResult } from './schema.js';
import { invalidRunLines } from './tables.js';

/**
 * report.md: what was asked, the chart that answers it and the verdict table, the conclusion in
 * words, then the details (tables, charts, machine).
 */
export function renderMarkdown(
  result: ExperimentResult,
  content: ReportContent,
  judgement: Judgement,
): string {
  const { tables, charts, headlineChart, verdict } = content;
  const { machine } = result;
  const parts: string[] = [
    `# ${result.title}`,
    '',
    `Experiment \`${result.experiment}\` (${result.mode} mode), ${result.startedAt}, ${(result.durationMs / 1000).toFixed(1)} s` +
      (result.parameters.auth === undefined ? '.' : `, auth: ${result.parameters.auth}.`),
  ];
  if (result.question) parts.push('', `**Question.** ${result.question}`);
  const invalid = invalidRunLines(judgement);
  if (invalid.length > 0) {
    parts.push(
      '',
      '## ⚠ Invalid runs',
      '',
      'The checker does not trust the figures of these runs: a load generator behind its own send ' +
        'schedule (its latency, measured from each message’s intended send time, includes the ' +
        'runner’s delay), an impossible figure, or a count bound by the machine. Do not compare their ' +
        'figures; rerun on a quieter machine.',
      '',
    );
    for (const line of invalid) parts.push(`- **INVALID** ${line}`);
  }
  if (headlineChart)
    parts.push('', `![${headlineChart.title}](${headlineChart.file})`, '', `*${headlineChart.title}*`);
  if (verdict) parts.push('', `## ${verdict.title}`, '', markdownTable(verdict.header, verdict.rows));
  parts.push('', '## Conclusion', '', `**${verdictLine(judgement)}**`, '');
  if (judgement.conclusions.length === 0) parts.push('No conclusion was drawn from this run.');
  for (const conclusion of judgement.conclusions) parts.push(`- ${conclusion}`);
  parts.push('', '## Details');
  for (const table of tables)
    parts.push('', `### ${table.title}`, '', markdownTable(table.header, table.rows));
  if (charts.length > 0) {
    parts.push('', '### Charts');
    for (const chart of charts) parts.push('', `#### ${chart.title}`, '', `![${chart.title}](${chart.file})`);
  }
  if (result.notes.length > 0) {
    parts.push('', '## Notes', '');
    for (const note of result.notes) parts.push(`- ${note}`);
  }
  const tools = Object.values(machine.tools).join('; ');
  parts.push(
    '',
    '## Machine',
    '',
    `${machine.cpus} × ${machine.cpuModel}, ${formatMiB(machine.totalMemoryBytes)} MiB RAM, ` +
      `${machine.platform} ${machine.release} (${machine.arch}), Node ${machine.node}${tools ? `; ${tools}` : ''}.`,
    '',
    'Raw figures: [result.json](result.json).',
    '',
  );
  return parts.join('\n');
}
