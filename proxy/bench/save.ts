import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from '../../lab/report/machine.js';

/** Prints a benchmark result and saves it to reports/bench/<name>-<timestamp>.json (git-ignored). */
export function saveProxyBench(name: string, result: object): string {
  const dir = join('reports', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine: describeMachine(), ...result }, null, 2)}\n`;
  writeFileSync(path, text);
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
