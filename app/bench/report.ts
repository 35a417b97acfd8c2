import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a benchmark result to reports/bench/<name>-<timestamp>.json (git-ignored) and prints it. */
export function saveBenchResult(name: string, result: object): string {
  const dir = join('reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(path, text);
  process.stdout.write(text);
  process.stdout.write(`saved ${path}\n`);
  return path;
}
