import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportContent } from './content.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { type ExperimentResult, type ExperimentResultInput, parseResult } from './schema.js';
import { renderSvg } from './svg.js';

/** The files a report directory holds after `writeReport`. */
export interface WrittenReport {
  dir: string;
  resultPath: string;
  markdownPath: string;
  htmlPath: string;
  chartPaths: string[];
}

/** Writes report.md, every SVG chart and index.html from an already validated result. */
export async function renderReport(dir: string, result: ExperimentResult): Promise<WrittenReport> {
  const content = reportContent(result);
  const chartPaths: string[] = [];
  const charts = content.headlineChart ? [content.headlineChart, ...content.charts] : content.charts;
  for (const chart of charts) {
    const path = join(dir, chart.file);
    await writeFile(path, await renderSvg(chart.spec));
    chartPaths.push(path);
  }
  const markdownPath = join(dir, 'report.md');
  const htmlPath = join(dir, 'index.html');
  await writeFile(markdownPath, renderMarkdown(result, content));
  await writeFile(htmlPath, renderHtml(result, content));
  return { dir, resultPath: join(dir, 'result.json'), markdownPath, htmlPath, chartPaths };
}

/** Validates `input`, writes result.json, then the report made from it. */
export async function writeReport(dir: string, input: ExperimentResultInput): Promise<WrittenReport> {
  const result = parseResult(input);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return renderReport(dir, result);
}

/** `wslab report <dir>`: re-renders report.md, charts and index.html from the dir's result.json. */
export async function rerenderReport(dir: string): Promise<WrittenReport> {
  const text = await readFile(join(dir, 'result.json'), 'utf8');
  return renderReport(dir, parseResult(JSON.parse(text)));
}

/** `reports/<timestamp>-<experiment>` with a timestamp that sorts and is safe in paths. */
export function reportDirName(experiment: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  return `${stamp}-${experiment}`;
}
