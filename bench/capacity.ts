/**
 * Benchmark: connect_ramp to 10 000 idle connections on one replica, and to 20 000 from one
 * runner. Each process here (replica or runner) is capped at 20 000 file descriptors (hard limit,
 * not raisable), so one replica cannot hold 20 000 sockets plus its Redis links and listeners:
 * the 20 000 run spreads over two replicas (10 000 each) and the runner uses several processes.
 * Prints handshake latency and bytes of replica RSS per connection; saves JSON under reports/bench/.
 *
 *   npx tsx bench/capacity.ts [--levels 10000,20000] [--rate 1000] [--hold-ms 5000]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary, runScenario, type ScenarioResult } from '../loadtests/runner/index.js';
import { benchRedis, benchReplicas, stopAll } from './bench-topology.js';
import { saveBench, table } from './save.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '10000,20000' },
    rate: { type: 'string', default: '1000' },
    'hold-ms': { type: 'string', default: '5000' },
    'per-replica': { type: 'string', default: '10000' },
    verbose: { type: 'boolean', default: false },
  },
});

const levels = values.levels.split(',').map(Number);
const perReplica = Number(values['per-replica']);
const logDir = join(process.cwd(), '.lab', 'bench', `capacity-${Date.now()}`);
const runs: Array<{ connections: number; replicas: number; result: ScenarioResult }> = [];

try {
  const redis = await benchRedis(logDir);
  for (const connections of levels) {
    const replicaCount = Math.ceil(connections / perReplica);
    const replicas = await benchReplicas(join(logDir, `n${connections}`), redis, replicaCount);
    try {
      const result = await runScenario(
        'connect_ramp',
        {
          connections,
          ratePerS: Number(values.rate),
          holdMs: Number(values['hold-ms']),
          handshakeTimeoutMs: 15_000,
        },
        {
          url: replicas.map((r) => r.wsUrl),
          serverPids: replicas.map((r) => r.process.pid),
          label: `${replicaCount} replica(s)`,
        },
      );
      if (values.verbose) console.log(formatSummary(result));
      runs.push({ connections, replicas: replicaCount, result });
    } finally {
      await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    }
  }
} finally {
  await stopAll(5_000);
}

const scalar = (result: ScenarioResult, name: string): number | null => {
  const metric = result.metrics[name];
  return metric && metric.kind !== 'distribution' ? metric.value : null;
};
const rows = runs.map(({ connections, replicas, result }) => {
  const handshake = result.metrics.handshake_ms;
  const dist = handshake?.kind === 'distribution' ? handshake : null;
  return {
    connections,
    replicas,
    'runner procs': result.environment.shards,
    opened: scalar(result, 'connections_opened'),
    failures: scalar(result, 'connect_failures'),
    'peak open': scalar(result, 'connections_peak'),
    'conn/s': scalar(result, 'connect_rate'),
    'handshake p50 ms': dist?.p50 ?? null,
    'handshake p99 ms': dist?.p99 ?? null,
    'bytes/conn': scalar(result, 'server_memory_per_connection'),
    'server RSS MB':
      scalar(result, 'server_rss_peak_bytes') === null
        ? null
        : Math.round((scalar(result, 'server_rss_peak_bytes') ?? 0) / 1e6),
    'runner cores': scalar(result, 'runner_cpu_cores'),
    'server cores': scalar(result, 'server_cpu_cores'),
    passed: result.passed ? 'yes' : 'no',
  };
});
console.log(table(rows));
const path = saveBench('capacity', {
  schema: 'wslab.bench.capacity',
  version: 1,
  loadAverageAtEnd: loadavg(),
  command: `npx tsx bench/capacity.ts ${process.argv.slice(2).join(' ')}`.trim(),
  summary: rows,
  results: runs,
});
console.log(`saved ${path}`);
