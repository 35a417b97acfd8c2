import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportContent } from './content.js';
import type { Headline } from './headline.js';
import { renderHtml } from './html.js';
import type { Judgement } from './judgement.js';
import { renderMarkdown } from './markdown.js';
import type { ExperimentResult } from './schema.js';
import { renderSvg } from './svg.js';

/** The files a report directory holds after `renderReport`, and the judgement they show. */
export interface WrittenReport {
  dir: string;
  /** The experiment's title (the report's first line). */
  title: string;
  resultPath: string;
  /** The checker's judgement of result.json (also in check.json). */
  judgement: Judgement;
  checkPath: string;
  markdownPath: string;
  htmlPath: string;
  chartPaths: string[];
}

/**
 * The render phase: check.json (the judgement), report.md, every SVG chart and index.html, from a
 * validated result and its checker's judgement.
 */
export async function renderReport(
  dir: string,
  result: ExperimentResult,
  judgement: Judgement,
  headline: Headline,
): Promise<WrittenReport> {
  const content = reportContent(result, headline);
  const chartPaths: string[] = [];
  const charts = content.headlineChart ? [content.headlineChart, ...content.charts] : content.charts;
  for (const chart of charts) {
    const path = join(dir, chart.file);
    await writeFile(path, await renderSvg(chart.spec));
    chartPaths.push(path);
  }
  const checkPath = join(dir, 'check.json');
  const markdownPath = join(dir, 'report.md');
  const htmlPath = join(dir, 'index.html');
  await writeFile(checkPath, `${JSON.stringify(judgement, null, 2)}\n`);
  await writeFile(markdownPath, renderMarkdown(result, content, judgement));
  await writeFile(htmlPath, renderHtml(result, content, judgement));
  return {
    dir,
    title: result.title,
    resultPath: join(dir, 'result.json'),
    judgement,
    checkPath,
    markdownPath,
    htmlPath,
    chartPaths,
  };
}

/** `reports/<timestamp>-<experiment>` with a timestamp that sorts and is safe in paths. */
export function reportDirName(experiment: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  return `${stamp}-${experiment}`;
}
