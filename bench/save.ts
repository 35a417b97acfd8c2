import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from '../lab/report/machine.js';

/**
 * Saves a benchmark result as reports/bench/<name>-<timestamp>.json (and <name>-latest.json),
 * stamped with the benchmark name, time and machine (figures mean little without them), and
 * prints the path. Every benchmark in bench/ saves through this one function.
 */
export function saveBench(name: string, result: object): string {
  const dir = join(process.cwd(), 'reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const path = join(dir, `${name}-${at.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify({ benchmark: name, at, machine: describeMachine(), ...result }, null, 2)}\n`;
  writeFileSync(path, text);
  writeFileSync(join(dir, `${name}-latest.json`), text);
  process.stdout.write(text);
  process.stdout.write(`saved ${path}\n`);
  return path;
}

/** The proxies a benchmark runs, from `--proxies haproxy,nginx`. */
export function parseProxies(list: string): ('haproxy' | 'nginx')[] {
  const kinds = list.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (kind !== 'haproxy' && kind !== 'nginx')
      throw new Error(`--proxies: "${kind}" is not haproxy or nginx`);
  }
  return kinds as ('haproxy' | 'nginx')[];
}

/** A plain-text table of rows (column order of the first row), for the summary a benchmark prints. */
export function table(rows: Array<Record<string, string | number | null>>): string {
  const first = rows[0];
  if (first === undefined) return '';
  const columns = Object.keys(first);
  const cell = (value: string | number | null): string =>
    value === null ? 'n/a' : typeof value === 'number' ? value.toLocaleString('en-US') : value;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? null).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? null)))),
  ].join('\n');
}
