/**
 * Where a wslab replica spends its CPU under the peer benchmark's load: the `wslab` stack of
 * bench:peers (2 replicas behind HAProxy, history on) at one offered rate, each replica run with
 * `node --cpu-prof`; prints the top functions by self time over both replicas' profiles (idle
 * excluded) and saves them through save.ts.
 *
 *   npx tsx bench/peers/profile.ts [--rate 25000] [--duration-ms 8000] [--top 20]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { benchRedis, stopAll } from '../bench-topology.js';
import { saveBench, table } from '../save.js';
import { runStep } from './measure.js';
import { startStack } from './stacks.js';

const opts = new Command()
  .option('--rate <n>', 'offered deliveries/s', '25000')
  .option('--duration-ms <ms>', 'publishing window', '8000')
  .option('--top <n>', 'functions listed', '20')
  .parse()
  .opts<{ rate: string; durationMs: string; top: string }>();

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self samples per function (name, file, line) summed over `.cpuprofile` files. */
export function selfTimeByFunction(paths: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^file:\/\/.*?\/(node_modules|app)\//, '$1/');
      const key =
        url === ''
          ? functionName || '(anonymous)'
          : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
      totals.set(key, (totals.get(key) ?? 0) + (node.hitCount ?? 0));
    }
  }
  return totals;
}

const logDir = join(process.cwd(), '.lab', 'bench', `peers-profile-${Date.now()}`);
const profileDir = join(logDir, 'profiles');
const load = {
  publishers: 20,
  subscribers: 1_000,
  rooms: 20,
  messageBytes: 256,
  durationMs: Number(opts.durationMs),
  settleTimeoutMs: 3_000,
};
let step: Awaited<ReturnType<typeof runStep>>;
try {
  const backing = {
    logDir,
    redis: await benchRedis(logDir),
    cluster: () => Promise.reject(new Error('no cluster in a profile run')),
    baselineEntry: null,
    profileDir,
  };
  const stack = await startStack('wslab', backing, 0);
  try {
    await runStep(stack, { ...load, durationMs: 2_000 }, Number(opts.rate));
    step = await runStep(stack, load, Number(opts.rate));
  } finally {
    await stack.stop();
  }
} finally {
  await stopAll(5_000);
}

const files = readdirSync(profileDir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(profileDir, name));
const totals = selfTimeByFunction(files);
totals.delete('(idle)');
const busy = [...totals.values()].reduce((sum, hits) => sum + hits, 0);
const top = [...totals]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(opts.top))
  .map(([fn, hits]) => ({ 'self %': Math.round((hits / busy) * 1_000) / 10, function: fn }));
console.log(
  `wslab replicas at ${opts.rate} offered deliveries/s (${step.deliveredPerS}/s delivered), ` +
    `${files.length} profiles, share of non-idle samples:`,
);
console.log(table(top));
saveBench('peers-profile', {
  schema: 'wslab.bench.peers-profile',
  version: 1,
  command: `npx tsx bench/peers/profile.ts ${process.argv.slice(2).join(' ')}`.trim(),
  load,
  offeredPerS: Number(opts.rate),
  step,
  profiles: files,
  top,
});
