/**
 * Benchmark: the same fan-out against the raw ceiling (plain `ws`, no Redis), one replica
 * directly, and that replica through HAProxy and through Nginx, in one run. Prints a table with
 * delivered/s as a fraction of the raw ceiling, latency, and runner / server / proxy CPU, and
 * saves every result under reports/bench/.
 *
 *   npx tsx bench/fanout-compare.ts [--publishers 20] [--subscribers 1000] [--rooms 20]
 *     [--rate 50] [--message-bytes 256] [--duration-ms 10000] [--only raw,direct,haproxy,nginx] [--shards 2] [--history on|off]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary, runScenario, type ScenarioResult } from '../loadtests/runner/index.js';
import { coresBetween, ServerProbe } from '../loadtests/runner/server-probe.js';
import { startHaproxy } from '../runtime/haproxy.js';
import { startNginx } from '../runtime/nginx.js';
import type { RunningProxy } from '../runtime/running-proxy.js';
import { benchRawServer, benchRedis, benchReplicas, PROXY_BENCH_OPTIONS, stopAll } from './bench-topology.js';
import { saveBench, table } from './save.js';

const { values } = parseArgs({
  options: {
    publishers: { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '1000' },
    rooms: { type: 'string', default: '20' },
    rate: { type: 'string', default: '50' },
    'message-bytes': { type: 'string', default: '256' },
    'duration-ms': { type: 'string', default: '10000' },
    only: { type: 'string', default: 'raw,direct,haproxy,nginx' },
    // Two runner processes by default: parsing every delivery must not be the bottleneck.
    shards: { type: 'string', default: '2' },
    history: { type: 'string', default: 'on' },
    verbose: { type: 'boolean', default: false },
  },
});

const params = {
  publishers: Number(values.publishers),
  subscribers: Number(values.subscribers),
  rooms: Number(values.rooms),
  ratePerPublisher: Number(values.rate),
  messageBytes: Number(values['message-bytes']),
  durationMs: Number(values['duration-ms']),
  settleTimeoutMs: 10_000,
  connectRatePerS: 2_000,
  sampleEveryMs: 2_000,
};
const only = new Set(values.only.split(','));
const logDir = join(process.cwd(), '.lab', 'bench', `fanout-${Date.now()}`);

interface Run {
  target: string;
  result: ScenarioResult;
  proxyCpuCores: number | null;
}

async function measure(
  target: string,
  url: string,
  serverPids: number[],
  proxy: RunningProxy | null,
): Promise<Run> {
  const proxyProbe = proxy ? new ServerProbe([proxy.pid, ...(await proxy.workerPids())], []) : null;
  const proxyBefore = await proxyProbe?.sample();
  const result = await runScenario(
    'fanout',
    params,
    { url, serverPids, label: target },
    { shards: Number(values.shards) },
  );
  const proxyAfter = await proxyProbe?.sample();
  if (values.verbose) console.log(formatSummary(result));
  return {
    target,
    result,
    proxyCpuCores: proxyBefore && proxyAfter ? coresBetween(proxyBefore, proxyAfter) : null,
  };
}

const value = (result: ScenarioResult, name: string): number | null => {
  const metric = result.metrics[name];
  return metric && metric.kind !== 'distribution' ? metric.value : null;
};
const percentile = (result: ScenarioResult, name: string, p: 'p50' | 'p99'): number | null => {
  const metric = result.metrics[name];
  return metric && metric.kind === 'distribution' ? metric[p] : null;
};

const runs: Run[] = [];
try {
  const redis = await benchRedis(logDir);
  const [replica] = await benchReplicas(logDir, redis, 1, { history: values.history !== 'off' });
  const backends = [{ id: 'r0', host: '127.0.0.1', port: replica!.port }];
  if (only.has('raw')) {
    const raw = await benchRawServer(logDir);
    runs.push(await measure('raw-ws', raw.wsUrl, [raw.pid], null));
    await raw.stop();
  }
  if (only.has('direct')) runs.push(await measure('direct', replica!.wsUrl, [replica!.process.pid], null));
  if (only.has('haproxy')) {
    const haproxy = await startHaproxy({
      dir: join(logDir, 'haproxy'),
      options: { backends, ...PROXY_BENCH_OPTIONS },
    });
    runs.push(await measure('haproxy', `${haproxy.wsUrl}/ws`, [replica!.process.pid], haproxy));
    await haproxy.stop();
  }
  if (only.has('nginx')) {
    const nginx = await startNginx({
      dir: join(logDir, 'nginx'),
      options: { backends, ...PROXY_BENCH_OPTIONS },
    });
    runs.push(await measure('nginx', `${nginx.wsUrl}/ws`, [replica!.process.pid], nginx));
    await nginx.stop();
  }
} finally {
  await stopAll(5_000);
}

const raw = runs.find((r) => r.target === 'raw-ws');
const rawRate = raw ? value(raw.result, 'delivered_per_s') : null;
const rows = runs.map((run) => {
  const rate = value(run.result, 'delivered_per_s');
  return {
    target: run.target,
    'delivered/s': rate === null ? null : Math.round(rate),
    'of raw': rate !== null && rawRate ? `${Math.round((rate / rawRate) * 100)}%` : 'n/a',
    'p50 ms': percentile(run.result, 'delivery_latency_ms', 'p50'),
    'p99 ms': percentile(run.result, 'delivery_latency_ms', 'p99'),
    lost: value(run.result, 'messages_lost'),
    reconnects: value(run.result, 'reconnects'),
    'runner cores': value(run.result, 'runner_cpu_cores'),
    'server cores': value(run.result, 'server_cpu_cores'),
    'proxy cores': run.proxyCpuCores === null ? null : Math.round(run.proxyCpuCores * 1_000) / 1_000,
    passed: run.result.passed ? 'yes' : 'no',
  };
});
console.log(
  `fanout: ${params.publishers} publishers × ${params.ratePerPublisher}/s → ${params.rooms} rooms → ` +
    `${params.subscribers} subscribers, ${params.messageBytes} B, ${params.durationMs} ms`,
);
console.log(table(rows));
const path = saveBench('fanout-compare', {
  schema: 'wslab.bench.fanout-compare',
  version: 1,
  loadAverageAtEnd: loadavg(),
  command: `npx tsx bench/fanout-compare.ts ${process.argv.slice(2).join(' ')}`.trim(),
  parameters: params,
  replicaHistory: values.history,
  proxyOptions: PROXY_BENCH_OPTIONS,
  summary: rows,
  results: runs.map((run) => ({ target: run.target, proxyCpuCores: run.proxyCpuCores, result: run.result })),
});
console.log(`saved ${path}`);
