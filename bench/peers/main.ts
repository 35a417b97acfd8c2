/**
 * `npm run bench:peers`: wslab against Socket.IO on the same topology, driven by the project's
 * load runner (the Socket.IO wire for Socket.IO), targets interleaved and repeated. Per target:
 * a stepped offered-load search (the fixed loads always run: latency and CPU per delivery of
 * servers, HAProxy, Redis and runner), idle memory per connection (first step), and a run with
 * one server SIGKILLed (acked loss). Prints medians with their spread and the ratios,
 * saves JSON through save.ts and a Vega-Lite chart beside it. See bench/README.md.
 *
 *   npm run bench:peers -- [--quick] [--repeats 2] [--targets raw,wslab,…] [--baseline main]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderSvg } from '../../lab/report/svg.js';
import type { RedisClusterHandle } from '../../runtime/redis.js';
import { benchRedis, benchRedisCluster, stopAll } from '../bench-topology.js';
import { saveBench, table } from '../save.js';
import { extractBaseline } from './baseline.js';
import { idleBytesPerConnection, MAX_P99_MS, type PeerLoad, runStep, searchMax } from './measure.js';
import { PEER_TARGETS, type PeerBacking, type PeerTarget, startStack, TARGET_LABELS } from './stacks.js';
import { peersChart, summarise, summaryRows, type Turn, targetRatios } from './summary.js';

/** Latency is compared at these loads, CPU per delivery at these (the figures). */
const LATENCY_LOADS = [10_000, 20_000];
const CPU_LOADS = [10_000, 25_000];
/** Idle sockets opened on each fresh stack for memory per connection. */
const IDLE_CONNECTIONS = 4_000;
const STEPS = [10_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000];

const program = new Command()
  .description('wslab vs Socket.IO (and the plain ws ceiling) on the same topology, side by side')
  .option('--quick', 'one repeat, 2 s steps, no kill run (a short check, ~5 min)', false)
  .option('--repeats <n>', 'turns per target, interleaved', '2')
  .option('--duration-ms <ms>', 'publishing window of each step', '4000')
  .option('--targets <list>', `comma-separated, of ${PEER_TARGETS.join(',')}`)
  .option('--baseline <ref>', 'also run the service at this git ref as wslab-baseline (e.g. main)')
  .option('--steps <list>', 'offered deliveries/s of the search', STEPS.join(','))
  .option('--no-kill', 'skip the replica SIGKILL run')
  .parse();
const opts = program.opts<{
  quick: boolean;
  repeats: string;
  durationMs: string;
  targets?: string;
  baseline?: string;
  steps: string;
  kill: boolean;
}>();

const baseline = opts.baseline === undefined ? null : extractBaseline(opts.baseline);
const defaultTargets = PEER_TARGETS.filter((t) => t !== 'wslab-baseline' || baseline !== null);
const targets = (opts.targets?.split(',') ?? defaultTargets) as PeerTarget[];
for (const target of targets) {
  if (!PEER_TARGETS.includes(target)) throw new Error(`--targets: unknown target "${target}"`);
}
const repeats = opts.quick ? 1 : Number(opts.repeats);
const load: PeerLoad = {
  publishers: 20,
  subscribers: 1_000,
  rooms: 20,
  messageBytes: 256,
  durationMs: opts.quick ? 2_000 : Number(opts.durationMs),
  settleTimeoutMs: 3_000,
};
const steps = opts.steps.split(',').map(Number);
const required = new Set([...LATENCY_LOADS, ...CPU_LOADS]);
const killRun = opts.kill && !opts.quick;
const logDir = join(process.cwd(), '.lab', 'bench', `peers-${Date.now()}`);

const turns: Turn[] = [];
const startedAt = Date.now();
try {
  let cluster: Promise<RedisClusterHandle> | null = null;
  const backing: PeerBacking = {
    logDir,
    redis: await benchRedis(logDir),
    cluster: () => {
      cluster ??= benchRedisCluster(join(logDir, 'cluster'));
      return cluster;
    },
    baselineEntry: baseline?.entry ?? null,
  };
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    // Interleaved: each repeat visits every target, in a rotated order so none always goes first.
    const order = targets.map((_, i) => targets[(i + repeat) % targets.length]!);
    for (const target of order) {
      const stack = await startStack(target, backing, repeat);
      try {
        const idle = await idleBytesPerConnection(stack, IDLE_CONNECTIONS);
        // Warm-up (not recorded): JIT and connection pools, so the first recorded step is not a cold start.
        await runStep(stack, { ...load, durationMs: 2_000 }, steps[0]!);
        const search = await searchMax(stack, load, steps, required);
        console.error(
          `${target} #${repeat + 1}: max ${search.maxSustainablePerS}/s; ` +
            search.steps.map((s) => `${s.offeredPerS / 1000}k p99 ${s.p99Ms} lost ${s.lost}`).join(', '),
        );
        let kill = null;
        if (killRun && stack.killOne !== null) {
          kill = await runStep(
            stack,
            { ...load, durationMs: Math.max(load.durationMs, 6_000), settleTimeoutMs: 15_000 },
            LATENCY_LOADS[0]!,
            { killAfterMs: 1_000 },
          );
          console.error(`${target} #${repeat + 1}: kill run lost ${kill.lost} unacked ${kill.unacked}`);
        }
        turns.push({
          target,
          repeat,
          steps: search.steps,
          maxSustainablePerS: search.maxSustainablePerS,
          idleBytesPerConnection: idle,
          kill,
        });
      } finally {
        await stack.stop();
      }
    }
  }
} finally {
  await stopAll(5_000);
}

const fixedLoads = [...new Set([...LATENCY_LOADS, ...CPU_LOADS])].sort((a, b) => a - b);
const summaries = summarise(turns, fixedLoads);
const ratios = targetRatios(summaries, CPU_LOADS);
console.log(
  `bench:peers: ${load.publishers} publishers → ${load.rooms} rooms → ${load.subscribers} subscribers, ` +
    `${load.messageBytes} B, ${load.durationMs} ms steps, ${repeats} repeat(s), interleaved; ` +
    `sustainable = 0 lost and p99 ≤ ${MAX_P99_MS} ms; µs/d = CPU µs per delivery`,
);
console.log(table(summaryRows(summaries, CPU_LOADS, LATENCY_LOADS)));
console.log(
  table(
    ratios.map((r) => ({
      ratio: r.name,
      value: r.value,
      goal: r.goal,
      met: r.met === null ? 'n/a' : r.met ? 'yes' : 'no',
    })),
  ),
);
const path = saveBench('peers', {
  schema: 'wslab.bench.peers',
  version: 1,
  command: `npm run bench:peers -- ${process.argv.slice(2).join(' ')}`.trim(),
  wallMs: Date.now() - startedAt,
  load,
  steps,
  maxP99Ms: MAX_P99_MS,
  targets: Object.fromEntries(targets.map((t) => [t, TARGET_LABELS[t]])),
  baseline: baseline === null ? null : { ref: opts.baseline, commit: baseline.commit },
  summary: summaries,
  ratios,
  turns,
});
const svgPath = path.replace(/\.json$/, '.svg');
const svg = await renderSvg(peersChart(turns, summaries));
writeFileSync(svgPath, svg);
writeFileSync(join(process.cwd(), 'reports', 'bench', 'peers-latest.svg'), svg);
console.log(`chart ${svgPath}`);
