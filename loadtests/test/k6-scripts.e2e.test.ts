/**
 * The k6 scripts, bundled with k6's modules swapped for Node shims, run against a real replica on
 * a real Redis: the same flows k6 would run (subscribers, publishers, connect ramp), with the
 * payload, layout and metric names shared with the Node runner.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stopAll } from '../../runtime/managed-process.js';
import { startRedis } from '../../runtime/redis.js';
import { type ReplicaHandle, startReplica } from '../../runtime/replica.js';
import { waitFor } from '../../runtime/wait-for.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { loadK6Script, runIterations, type Shimmed, sum } from './k6-shim/harness.js';

const logDir = join(process.cwd(), '.lab', 'test-logs', 'loadtests-k6');
let replicas: ReplicaHandle[];

beforeAll(async () => {
  const redis = await startRedis({ dir: logDir });
  replicas = await Promise.all(
    [0, 1].map((i) =>
      startReplica({
        logDir,
        name: `k6-${i}`,
        waitReady: true,
        spec: resolveTopologySpec({ publishRatePerS: 1000, publishBurst: 1000, logLevel: 'warn' }),
        placement: { redisUrl: redis.url },
      }),
    ),
  );
});

afterAll(async () => {
  await stopAll(2_000);
});

let shimmed: Shimmed | null = null;
beforeEach(() => {
  for (const values of shimmed?.samples.values() ?? []) values.length = 0;
});

async function openConnections(among: ReplicaHandle[] = replicas): Promise<number> {
  let total = 0;
  for (const replica of among) {
    const text = await (await fetch(`${replica.httpUrl}/metrics`)).text();
    total += Number(/^wslab_connections_open(?:\{[^}]*\})?\s+(\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

describe('k6 scripts on the Node shims', () => {
  it('fanout.ts: every publish reaches every subscriber of its room, nothing lost or duplicated', async () => {
    const env = {
      URL: replicas.map((r) => r.wsUrl).join(','),
      RUN_ID: `k6f${Date.now() % 100_000}`,
      PUBLISHERS: '2',
      SUBSCRIBERS: '20',
      ROOMS: '2',
      RATE_PER_PUBLISHER: '20',
      DURATION_MS: '1500',
      SETTLE_TIMEOUT_MS: '1500',
    };
    shimmed = await loadK6Script('fanout', env, join(logDir, 'bundles'));
    const { options } = shimmed.module;
    expect(Object.keys(options.scenarios)).toEqual(['subscribers', 'publishers']);
    expect(options.thresholds.messages_lost).toEqual(['count==0']);
    expect(options.thresholds.scheduling_lag_ms).toEqual(['p(99)<5']);
    runIterations(shimmed, 'subscriber', 20);
    // k6 starts the publishers scenario at its startTime (the connect lead).
    const startTimeS = Number.parseInt(String(options.scenarios.publishers!.startTime), 10);
    await new Promise((resolve) => setTimeout(resolve, startTimeS * 1_000));
    runIterations(shimmed, 'publisher', 2);
    const samples = shimmed.samples;
    // 2 publishers × 30 messages, 10 subscribers per room.
    await waitFor(() => sum(samples, 'messages_published') === 60, { timeoutMs: 10_000 });
    await waitFor(() => sum(samples, 'messages_delivered') === 600, { timeoutMs: 10_000 });
    // Subscribers close (and count gaps) at the end of their lifetime.
    await waitFor(async () => (await openConnections()) === 0, { timeoutMs: 15_000 });
    expect(sum(samples, 'connections_opened')).toBe(22);
    expect(sum(samples, 'messages_lost')).toBe(0);
    expect(sum(samples, 'messages_duplicated')).toBe(0);
    expect(samples.get('delivery_latency_ms')).toHaveLength(600);
    // Every slot of the schedule was taken, and its lateness recorded.
    expect(samples.get('scheduling_lag_ms')).toHaveLength(60);
  }, 60_000);

  it('failover.ts: clients of a killed replica reconnect to the other, resume, and lose nothing', async () => {
    const env = {
      URL: replicas.map((r) => r.wsUrl).join(','),
      RUN_ID: `k6x${Date.now() % 100_000}`,
      PUBLISHERS: '2',
      SUBSCRIBERS: '20',
      ROOMS: '2',
      RATE_PER_PUBLISHER: '20',
      DURATION_MS: '3000',
      SETTLE_TIMEOUT_MS: '3000',
      BACKOFF_INITIAL_MS: '100',
      BACKOFF_MAX_MS: '500',
    };
    shimmed = await loadK6Script('failover', env, join(logDir, 'bundles'));
    expect(shimmed.module.options.thresholds.reconnect_ms).toEqual(['max<15000']);
    runIterations(shimmed, 'subscriber', 20);
    const startTimeS = Number.parseInt(String(shimmed.module.options.scenarios.publishers!.startTime), 10);
    await new Promise((resolve) => setTimeout(resolve, startTimeS * 1_000));
    runIterations(shimmed, 'publisher', 2);
    const samples = shimmed.samples;
    await waitFor(() => sum(samples, 'messages_published') >= 10, { timeoutMs: 5_000 });
    await replicas[0]!.kill();
    await waitFor(async () => (await openConnections(replicas.slice(1))) === 0, { timeoutMs: 20_000 });
    expect(sum(samples, 'disconnects')).toBeGreaterThan(0);
    expect(samples.get('reconnect_ms')?.length).toBe(sum(samples, 'disconnects'));
    expect(sum(samples, 'messages_recovered')).toBeGreaterThan(0);
    // k6 VUs share no memory, so subscribers count loss as gaps in each publisher's numbers. A
    // publish written just as its replica was killed is never acked and never published: a gap at
    // every subscriber of its room (10 here), but no acked message lost. Anything beyond that is.
    const subscribersPerRoom = Number(env.SUBSCRIBERS) / Number(env.ROOMS);
    expect(sum(samples, 'messages_lost')).toBeLessThanOrEqual(
      sum(samples, 'messages_unacked') * subscribersPerRoom,
    );
    expect(sum(samples, 'messages_duplicated')).toBe(0);
    expect(sum(samples, 'clients_not_back')).toBe(0);
  }, 60_000);

  it('connect_ramp.ts: opens, joins and holds every connection, then closes them all', async () => {
    const env = {
      URL: replicas[1]!.wsUrl,
      RUN_ID: `k6r${Date.now() % 100_000}`,
      CONNECTIONS: '50',
      RATE_PER_S: '100',
      HOLD_MS: '200',
    };
    // The failover test killed replicas[0]: the ramp runs against the survivor.
    shimmed = await loadK6Script('connect_ramp', env, join(logDir, 'bundles'));
    expect(shimmed.module.options.scenarios.connect).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 100,
    });
    runIterations(shimmed, 'connect', 50);
    await waitFor(() => sum(shimmed!.samples, 'connections_opened') === 50, { timeoutMs: 10_000 });
    expect(await openConnections(replicas.slice(1))).toBe(50);
    await waitFor(async () => (await openConnections(replicas.slice(1))) === 0, { timeoutMs: 10_000 });
    expect(shimmed.samples.get('handshake_ms')).toHaveLength(50);
    expect(sum(shimmed.samples, 'connect_failures')).toBe(0);
  }, 30_000);
});
