/**
 * Coordinator of connect_ramp: splits N connections and the rate over shards, samples the
 * server's RSS before the ramp and at the plateau, and derives memory per connection.
 */
import type { ConnectRampParams } from '../scenarios/connect_ramp.js';
import { type RawRun, rawRun, setUpRun, withShards } from './coordinator.js';
import { mergeEncoded, summarise } from './histogram.js';
import { distribution, scalar } from './metric-values.js';
import type { RunOptions, Target } from './options.js';
import { coresBetween } from './server-probe.js';
import type { RampShardPlan } from './shard-protocol.js';

function validate(params: ConnectRampParams): void {
  if (!Number.isInteger(params.connections) || params.connections < 1) {
    throw new Error('connections: a positive integer');
  }
  if (!(params.ratePerS > 0)) throw new Error('ratePerS: must be > 0');
  if (!(params.holdMs >= 0)) throw new Error('holdMs: must be >= 0');
}

export async function runRamp(
  params: ConnectRampParams,
  target: Target,
  options: RunOptions,
): Promise<RawRun> {
  validate(params);
  const setup = setUpRun(target, params.connections, options);
  const { urls, runId, layout, probe, startedAtMs, clients } = setup;
  const serverBefore = await probe.sample();
  const cpuBefore = process.cpuUsage();
  return withShards(setup, options, async (shards, progress) => {
    progress.setPhase('ramping');
    let firstIndex = 0;
    const shardPlans: RampShardPlan[] = shards.handles.map((_, shardIndex) => {
      const count =
        Math.floor(params.connections / layout.count) +
        (shardIndex < params.connections % layout.count ? 1 : 0);
      const plan: RampShardPlan = {
        kind: 'ramp',
        shardIndex,
        urls,
        params,
        clients,
        runId,
        firstIndex,
        count,
        ratePerS: params.ratePerS / layout.count,
      };
      firstIndex += count;
      return plan;
    });
    shards.sendEach((index) => ({ type: 'init', plan: shardPlans[index]! }));
    const rampBudgetMs = (params.connections / params.ratePerS) * 1_000 + params.handshakeTimeoutMs + 60_000;
    await shards.all('ready', rampBudgetMs);
    await options.hooks?.onReady?.();
    progress.setPhase('holding');
    await new Promise((resolve) => setTimeout(resolve, params.holdMs));
    const plateau = await probe.sample();
    shards.sendEach(() => ({ type: 'finish' }));
    const reports = (await shards.all('report', 60_000)).map((m) => m.report);
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = Date.now() - startedAtMs;

    const handshake = mergeEncoded(
      reports.map((r) => r.histograms.handshake_ms ?? '').filter((h) => h !== ''),
    );
    const opened = reports.reduce((sum, r) => sum + (r.counters.connections_opened ?? 0), 0);
    const failures = reports.reduce((sum, r) => sum + (r.counters.connect_failures ?? 0), 0);
    const dropped = reports.reduce((sum, r) => sum + (r.counters.disconnects ?? 0), 0);
    const firstOpen = Math.min(
      ...reports.map((r) => r.counters.ramp_first_open_at_ms || Number.POSITIVE_INFINITY),
    );
    const lastOpen = Math.max(...reports.map((r) => r.counters.ramp_last_open_at_ms ?? 0));
    const shardCpuUs = reports.reduce((sum, r) => sum + r.cpuUserUs + r.cpuSystemUs, 0);
    const heldAtPlateau = opened - dropped;
    const memoryPerConnection =
      plateau.rssBytes !== null && serverBefore.rssBytes !== null && heldAtPlateau > 0
        ? (plateau.rssBytes - serverBefore.rssBytes) / heldAtPlateau
        : null;
    const metrics = {
      handshake_ms: distribution('handshake_ms', summarise(handshake)),
      connections_opened: scalar('connections_opened', opened),
      connect_failures: scalar('connect_failures', failures),
      disconnects: scalar('disconnects', dropped),
      connections_peak: scalar(
        'connections_peak',
        reports.reduce((sum, r) => sum + r.peakOpen, 0),
      ),
      connect_rate: scalar(
        'connect_rate',
        lastOpen > firstOpen ? (opened * 1_000) / (lastOpen - firstOpen) : null,
      ),
      server_memory_per_connection: scalar('server_memory_per_connection', memoryPerConnection),
      server_rss_start_bytes: scalar('server_rss_start_bytes', serverBefore.rssBytes),
      server_rss_peak_bytes: scalar('server_rss_peak_bytes', plateau.rssBytes),
      server_cpu_cores: scalar('server_cpu_cores', coresBetween(serverBefore, plateau)),
      runner_cpu_cores: scalar('runner_cpu_cores', (cpu.user + cpu.system + shardCpuUs) / 1_000 / wallMs),
    };
    handshake.destroy();
    return rawRun(setup, metrics, [], []);
  });
}
