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

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self samples per function (name, file, line) summed over `.cpuprofile` files, counting only
 * the samples of each profile's last `windowUs` (the load, not the process's start-up).
 */
export function selfTimeByFunction(paths: readonly string[], windowUs: number): Map<string, number> {
  const totals = new Map<string, number>();
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const names = new Map<number, string>();
    for (const { id, callFrame } of profile.nodes) {
      const name = callFrame.functionName || '(anonymous)';
      const file = callFrame.url.replace(/^.*?\/(node_modules|app)\//, '$1/');
      names.set(id, callFrame.url === '' ? name : `${name} ${file}:${callFrame.lineNumber + 1}`);
    }
    // timeDeltas[i] is the gap before sample i; walk back from the end to date each sample.
    const sampledAt: number[] = new Array(profile.samples.length);
    let at = profile.endTime;
    for (let index = profile.samples.length - 1; index >= 0; index -= 1) {
      sampledAt[index] = at;
      at -= profile.timeDeltas[index] ?? 0;
    }
    const from = profile.endTime - windowUs;
    profile.samples.forEach((id, index) => {
      if ((sampledAt[index] ?? 0) < from) return;
      const key = names.get(id) ?? '(unknown)';
      totals.set(key, (totals.get(key) ?? 0) + 1);
    });
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

// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (not tsx's loader).
const files = readdirSync(profileDir)
  .filter((name) => /\.0\.\d+\.cpuprofile$/.test(name))
  .map((name) => join(profileDir, name));
// The measured step, its settle and the stop: what followed the warm-up.
const totals = selfTimeByFunction(files, (load.durationMs + 4_000) * 1_000);
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
