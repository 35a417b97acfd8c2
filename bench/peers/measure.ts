/**
 * One step of `bench:peers`: the fanout scenario at one offered delivery rate against a running
 * stack, with CPU per delivery of every component (servers, proxy, Redis, load runner) over the
 * publishing window, optionally the servers' idle memory per connection (before the first
 * publish) or a SIGKILL of one server while publishing. And the stepped search built on it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runScenario, type ScenarioResult } from '../../loadtests/runner/index.js';
import { coresBetween, ServerProbe, type ServerSample } from '../../loadtests/runner/server-probe.js';
import type { RunningStack } from './stacks.js';

/** The shape of every run: the topology (1000 subscribers in 20 rooms, 20 publishers, 256 B). */
export interface PeerLoad {
  publishers: number;
  subscribers: number;
  rooms: number;
  messageBytes: number;
  durationMs: number;
  settleTimeoutMs: number;
}

/** Sustainable: nothing acked is lost and p99 stays within this. */
export const MAX_P99_MS = 100;

export interface CpuPerDelivery {
  servers: number | null;
  proxy: number | null;
  redis: number | null;
  runner: number | null;
}

export interface StepResult {
  offeredPerS: number;
  deliveredPerS: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  lost: number | null;
  unacked: number | null;
  disconnects: number | null;
  /** The runner kept its send schedule (scheduling lag within bound): latency figures are the server's. */
  runnerValid: boolean;
  sustainable: boolean;
  /** µs of CPU per delivery, by component, over the publishing window. */
  cpuUsPerDelivery: CpuPerDelivery;
}

export interface StepOptions {
  /** SIGKILL one server this long after publishing starts. */
  killAfterMs?: number;
}

const scalar = (result: ScenarioResult, name: string): number | null => {
  const metric = result.metrics[name];
  return metric && metric.kind !== 'distribution' ? metric.value : null;
};
const percentile = (result: ScenarioResult, name: string, p: 'p50' | 'p99'): number | null => {
  const metric = result.metrics[name];
  return metric && metric.kind === 'distribution' ? metric[p] : null;
};

/** Members per room × publishers: deliveries per second per message per second of each publisher. */
export function ratePerPublisherFor(load: PeerLoad, deliveriesPerS: number): number {
  return deliveriesPerS / ((load.publishers * load.subscribers) / load.rooms);
}

export async function runStep(
  stack: RunningStack,
  load: PeerLoad,
  offeredPerS: number,
  options: StepOptions = {},
): Promise<StepResult> {
  const probes = {
    proxy: new ServerProbe(stack.proxyPids, []),
    redis: new ServerProbe(stack.redisPids, []),
  };
  let window: { proxy: [ServerSample, ServerSample]; redis: [ServerSample, ServerSample] } | null = null;
  const result = await runScenario(
    'fanout',
    {
      publishers: load.publishers,
      subscribers: load.subscribers,
      rooms: load.rooms,
      messageBytes: load.messageBytes,
      durationMs: load.durationMs,
      settleTimeoutMs: load.settleTimeoutMs,
      ratePerPublisher: ratePerPublisherFor(load, offeredPerS),
      connectRatePerS: 2_000,
      sampleEveryMs: 1_000,
    },
    { url: stack.urls, serverPids: stack.serverPids, label: stack.target },
    {
      protocol: stack.protocol,
      shards: 2,
      progress: false,
      hooks: {
        onPublishing: async () => {
          const [proxyFrom, redisFrom] = await Promise.all([probes.proxy.sample(), probes.redis.sample()]);
          const kill =
            options.killAfterMs === undefined || stack.killOne === null
              ? null
              : sleep(options.killAfterMs).then(() => stack.killOne?.());
          await sleep(load.durationMs);
          const [proxyTo, redisTo] = await Promise.all([probes.proxy.sample(), probes.redis.sample()]);
          window = { proxy: [proxyFrom, proxyTo], redis: [redisFrom, redisTo] };
          await kill;
        },
      },
    },
  );
  const deliveredPerS = scalar(result, 'delivered_per_s');
  const perDelivery = (cores: number | null): number | null =>
    cores === null || !deliveredPerS ? null : Math.round((cores * 1e6) / deliveredPerS) / 1;
  const measured = window as {
    proxy: [ServerSample, ServerSample];
    redis: [ServerSample, ServerSample];
  } | null;
  const cores = (pair: [ServerSample, ServerSample] | undefined, pids: number[]): number | null =>
    pair === undefined || pids.length === 0 ? null : coresBetween(pair[0], pair[1]);
  const lost = scalar(result, 'messages_lost');
  const p99Ms = percentile(result, 'delivery_latency_ms', 'p99');
  return {
    offeredPerS,
    deliveredPerS: deliveredPerS === null ? null : Math.round(deliveredPerS),
    p50Ms: percentile(result, 'delivery_latency_ms', 'p50'),
    p99Ms,
    lost,
    unacked: scalar(result, 'messages_unacked'),
    disconnects: scalar(result, 'disconnects'),
    // no validity: the scenario has no send schedule to keep
    runnerValid: result.validity?.valid ?? true,
    sustainable: lost === 0 && p99Ms !== null && p99Ms <= MAX_P99_MS,
    cpuUsPerDelivery: {
      servers: perDelivery(scalar(result, 'server_cpu_cores')),
      proxy: perDelivery(cores(measured?.proxy, stack.proxyPids)),
      redis: perDelivery(cores(measured?.redis, stack.redisPids)),
      runner: perDelivery(scalar(result, 'runner_cpu_cores')),
    },
  };
}

/**
 * Idle memory per connection of the stack's servers: `connections` idle sockets (each joined to
 * a room) opened on fresh servers, RSS growth of the servers / connections, read by the
 * runner's connect_ramp scenario.
 */
export async function idleBytesPerConnection(
  stack: RunningStack,
  connections: number,
): Promise<number | null> {
  const result = await runScenario(
    'connect_ramp',
    { connections, ratePerS: 2_000, holdMs: 2_000, handshakeTimeoutMs: 15_000 },
    { url: stack.urls, serverPids: stack.serverPids, label: stack.target },
    { protocol: stack.protocol, progress: false },
  );
  const perConnection = scalar(result, 'server_memory_per_connection');
  return perConnection === null ? null : Math.round(perConnection);
}

/**
 * Stepped offered load: every `required` step runs (the fixed loads), then the steps above
 * continue while the previous one was sustainable. The maximum is the highest sustainable step
 * below the first one that was not.
 */
export async function searchMax(
  stack: RunningStack,
  load: PeerLoad,
  steps: readonly number[],
  required: ReadonlySet<number>,
): Promise<{ steps: StepResult[]; maxSustainablePerS: number }> {
  const results: StepResult[] = [];
  let max = 0;
  let failed = false;
  for (const offered of steps) {
    if (failed && !required.has(offered)) break;
    const step = await runStep(stack, load, offered);
    results.push(step);
    if (step.sustainable && !failed) max = offered;
    else failed = true;
  }
  return { steps: results, maxSustainablePerS: max };
}
