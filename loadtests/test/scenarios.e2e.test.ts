/**
 * Every scenario, small, against real replicas on a real Redis (single): thresholds pass and the
 * result validates against the schema. Then the loss accounting is proven both ways: with history
 * off, killing a replica mid-run loses messages and the run says so; with history on, clients of
 * the killed replica reconnect to the other one, resume, and lose nothing and duplicate nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll } from '../../runtime/managed-process.js';
import { type RedisServerHandle, startRedis } from '../../runtime/redis.js';
import { type ReplicaHandle, startReplica } from '../../runtime/replica.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { runScenario, type ScenarioResult, scenarioResultSchema } from '../runner/index.js';

const logDir = join(process.cwd(), '.lab', 'test-logs', 'loadtests-e2e');

let redis: RedisServerHandle;

async function replicas(count: number, history: 'on' | 'off', tag: string): Promise<ReplicaHandle[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startReplica({
        logDir,
        name: `lt-${tag}-${i}`,
        waitReady: true,
        spec: resolveTopologySpec({
          history: history === 'on',
          publishRatePerS: 1000,
          publishBurst: 1000,
          drainWindowMs: 1000,
          logLevel: 'warn',
        }),
        placement: { redisUrl: redis.url },
      }),
    ),
  );
}

function metric(result: ScenarioResult, name: string): number {
  const entry = result.metrics[name];
  if (!entry) throw new Error(`no metric ${name}`);
  return entry.kind === 'distribution' ? entry.count : (entry.value ?? Number.NaN);
}

const smallStream = {
  publishers: 2,
  subscribers: 40,
  rooms: 2,
  ratePerPublisher: 20,
  settleTimeoutMs: 3_000,
};

beforeAll(async () => {
  redis = await startRedis({ dir: logDir });
});

afterAll(async () => {
  await stopAll(2_000);
});

describe('scenarios against two replicas on one Redis (history on)', () => {
  let pair: ReplicaHandle[];
  const target = () => ({
    url: pair.map((r) => r.wsUrl),
    serverPids: pair.map((r) => r.process.pid),
    label: 'two-replicas',
  });

  beforeAll(async () => {
    pair = await replicas(2, 'on', 'steady');
  });

  afterAll(async () => {
    await Promise.all(pair.map((r) => r.stop('SIGKILL')));
  });

  it('fanout: every acked message reaches every subscriber of its room, across replicas', async () => {
    const result = await runScenario('fanout', { ...smallStream, durationMs: 2_000 }, target(), {
      progress: false,
    });
    expect(scenarioResultSchema.parse(result)).toBeTruthy();
    expect(result.passed).toBe(true);
    // 2 publishers × 40 messages, each room has 20 subscribers.
    expect(metric(result, 'messages_published')).toBe(80);
    expect(metric(result, 'messages_expected')).toBe(80 * 20);
    expect(metric(result, 'messages_delivered')).toBe(80 * 20);
    expect(metric(result, 'messages_lost')).toBe(0);
    expect(metric(result, 'delivery_latency_ms')).toBe(80 * 20);
    expect(metric(result, 'server_cpu_cores')).toBeGreaterThan(0);
    expect(metric(result, 'runner_cpu_cores')).toBeGreaterThan(0);
  });

  it('fanout in two child-process shards merges histograms and counters', async () => {
    const result = await runScenario('fanout', { ...smallStream, durationMs: 1_500 }, target(), {
      shards: 2,
      progress: false,
    });
    scenarioResultSchema.parse(result);
    expect(result.environment).toMatchObject({ shards: 2, shardMode: 'process' });
    expect(result.passed).toBe(true);
    expect(metric(result, 'messages_delivered')).toBe(metric(result, 'messages_expected'));
    expect(metric(result, 'delivery_latency_ms')).toBe(metric(result, 'messages_expected'));
  });

  it('connect_ramp: opens every connection and measures memory per connection', async () => {
    const result = await runScenario(
      'connect_ramp',
      { connections: 400, ratePerS: 800, holdMs: 500 },
      target(),
      {
        progress: false,
      },
    );
    scenarioResultSchema.parse(result);
    expect(result.passed).toBe(true);
    expect(metric(result, 'connections_opened')).toBe(400);
    expect(metric(result, 'handshake_ms')).toBe(400);
    expect(metric(result, 'server_memory_per_connection')).toBeGreaterThan(0);
  });

  it('soak: samples latency and server memory over time (read from /metrics)', async () => {
    const result = await runScenario(
      'soak',
      { ...smallStream, durationMs: 3_000, sampleEveryMs: 1_000 },
      { url: pair.map((r) => r.wsUrl), metricsUrls: pair.map((r) => `${r.httpUrl}/metrics`) },
      { progress: false },
    );
    scenarioResultSchema.parse(result);
    expect(result.passed).toBe(true);
    expect(result.timeline.length).toBeGreaterThanOrEqual(3);
    expect(result.timeline.every((point) => point.serverRssBytes !== null && point.serverRssBytes > 0)).toBe(
      true,
    );
    expect(metric(result, 'server_rss_growth_ratio')).toBeGreaterThan(0);
    expect(metric(result, 'server_cpu_cores')).toBeGreaterThan(0);
  });
});

/** Runs failover on a fresh pair and SIGKILLs the first replica one second into publishing. */
async function failoverWithKill(
  history: 'on' | 'off',
): Promise<{ result: ScenarioResult; survivor: string }> {
  const pair = await replicas(2, history, `failover-${history}`);
  try {
    const result = await runScenario(
      'failover',
      {
        ...smallStream,
        durationMs: 4_000,
        backoffInitialMs: 100,
        backoffMaxMs: 1_000,
        settleTimeoutMs: 5_000,
      },
      { url: pair.map((r) => r.wsUrl), label: `failover-history-${history}` },
      {
        progress: false,
        hooks: {
          onPublishing: async () => {
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            await pair[0]!.kill();
          },
        },
      },
    );
    return { result, survivor: pair[1]!.wsUrl };
  } finally {
    await Promise.all(pair.map((r) => r.stop('SIGKILL')));
  }
}

describe('loss accounting with a replica killed mid-run', () => {
  it('history off: the lost messages are detected and the thresholds fail', async () => {
    const { result } = await failoverWithKill('off');
    scenarioResultSchema.parse(result);
    expect(metric(result, 'clients_disconnected')).toBeGreaterThan(0);
    expect(metric(result, 'messages_lost')).toBeGreaterThan(0);
    expect(metric(result, 'messages_recovered')).toBe(0);
    expect(result.passed).toBe(false);
    expect(result.thresholds.find((t) => t.metric === 'messages_lost')?.ok).toBe(false);
  });

  it('history on: clients resume on the other replica with no loss and no duplicate', async () => {
    const { result, survivor } = await failoverWithKill('on');
    scenarioResultSchema.parse(result);
    expect(metric(result, 'clients_disconnected')).toBeGreaterThan(0);
    expect(metric(result, 'clients_not_back')).toBe(0);
    expect(metric(result, 'messages_recovered')).toBeGreaterThan(0);
    expect(metric(result, 'messages_lost')).toBe(0);
    expect(metric(result, 'messages_duplicated')).toBe(0);
    expect(metric(result, 'resume_delivery_ms')).toBeGreaterThan(0);
    // Clients of the killed replica came back on the survivor (they rotate URLs after a refused connect).
    expect(result.outages.records.length).toBeGreaterThan(0);
    expect(result.outages.records.every((o) => o.url === survivor)).toBe(true);
    expect(result.passed).toBe(true);
  });
});
