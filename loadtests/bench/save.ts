/** Benchmarks print a table and save their JSON under reports/bench/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function saveBench(name: string, data: unknown): string {
  const dir = join(process.cwd(), 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${name}-${stamp}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(dir, `${name}-latest.json`), `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export function table(rows: Array<Record<string, string | number | null>>): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const cell = (value: string | number | null): string =>
    value === null ? 'n/a' : typeof value === 'number' ? value.toLocaleString('en-US') : value;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? null).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? null)))),
  ].join('\n');
}
