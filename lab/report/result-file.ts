import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExperimentResult, parseResult } from './schema.js';

/** A report directory's result.json, validated (a bad field throws, naming it). */
export async function readResult(dir: string): Promise<ExperimentResult> {
  return parseResult(JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')));
}

/** The store phase: result.json, the run's history, from which everything else is made. */
export async function storeResult(dir: string, result: ExperimentResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const resultPath = join(dir, 'result.json');
  await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  return resultPath;
}
