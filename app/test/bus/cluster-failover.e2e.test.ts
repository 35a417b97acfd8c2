import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterHandle, startRedisCluster } from '../../../runtime/redis.js';
import { waitFor } from '../../../runtime/wait-for.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import type { RedisBus } from '../../src/bus/redis-bus.js';
import { record, request, uniqueRoom } from './bus-suite.js';
import { ClientPool, clusterHarness, scratchDir } from './redis-harness.js';

const NODE_TIMEOUT_MS = 2_000;
let cluster: RedisClusterHandle;
const pool = new ClientPool();

beforeAll(async () => {
  cluster = await startRedisCluster({ dir: scratchDir('bus-failover'), nodeTimeoutMs: NODE_TIMEOUT_MS });
});
afterAll(async () => {
  await pool.closeAll();
  await cluster?.stop();
});

interface Ack {
  n: number;
  offset: number;
  epoch: string;
  startedAt: number;
  ackedAt: number;
}

describe('cluster bus across a master failover', () => {
  it('resumes publishing after promotion, keeps subscriptions, loses no acknowledged message', async () => {
    const harness = clusterHarness(cluster.seeds, pool);
    const room = uniqueRoom('failover');
    const publisher = record(await harness.createBus({ instanceId: 'P', operationTimeoutMs: 1_000 }));
    const subscriber = record(await harness.createBus({ instanceId: 'S' }));
    await subscriber.bus.subscribe(room);

    const acks: Ack[] = [];
    const failures: unknown[] = [];
    let running = true;
    // One publisher, one publish at a time, every 20 ms: what a chatty client does.
    const loop = (async () => {
      for (let n = 0; running; n += 1) {
        const startedAt = Date.now();
        try {
          const result = await publisher.bus.publish(request(room, 'P', { n }));
          acks.push({ n, ...result, startedAt, ackedAt: Date.now() });
        } catch (error) {
          failures.push(error);
        }
        await sleep(20);
      }
    })();

    await waitFor(() => acks.length >= 10, { description: '10 publishes before the kill' });
    // killMasterForRoom looks the master up first, then signals: the clock starts at the signal.
    const killedPort = await cluster.killMasterForRoom(room);
    const killedAt = Date.now();
    // When the cluster itself says a replica took over (redis-cli polling, 100 ms resolution).
    const promoted = cluster.waitForPromotion().then(() => Date.now() - killedAt);
    const firstAfter = await waitFor(() => acks.find((ack) => ack.startedAt >= killedAt), {
      timeoutMs: 30_000,
      intervalMs: 10,
      description: 'a publish started after the kill succeeds',
    });
    const failoverMs = firstAfter.ackedAt - killedAt;
    const afterCount = acks.length;
    await waitFor(() => acks.length >= afterCount + 10, { description: '10 publishes after recovery' });
    running = false;
    await loop;
    const promotedMs = await promoted;
    console.log(
      JSON.stringify({
        bench: 'bus-cluster-failover',
        nodeTimeoutMs: NODE_TIMEOUT_MS,
        killedPort,
        sigkillToPromotionSeenMs: promotedMs,
        sigkillToFirstPublishMs: failoverMs,
        failedPublishes: failures.length,
        failureKinds: [
          ...new Set(failures.map((error) => `${(error as Error).name}: ${(error as Error).message}`)),
        ],
        acked: acks.length,
        subscriberResubscribed: (subscriber.bus as RedisBus).resubscribedCount,
      }),
    );
    expect(failures.every((error) => error instanceof BusUnavailableError)).toBe(true);
    expect(failoverMs).toBeLessThan(NODE_TIMEOUT_MS + 5_000);

    // History: every acknowledged message is there, under its offset, in one epoch.
    const epochs = new Set(acks.map((ack) => ack.epoch));
    expect(epochs.size).toBe(1);
    const [epoch] = epochs;
    const range = await publisher.bus.readSince(room, { offset: 0, epoch: epoch! });
    expect(range.missed).toBe(false);
    const stored = new Map(range.entries.map((entry) => [entry.offset, entry.dataJson]));
    for (const ack of acks) expect(stored.get(ack.offset)).toBe(JSON.stringify({ n: ack.n }));

    // Live: the subscription survived the failover; the subscriber saw every acknowledged message.
    const lastOffset = acks.at(-1)!.offset;
    await waitFor(() => subscriber.received.some((entry) => entry.offset === lastOffset), {
      description: 'the last acknowledged message reaches the subscriber',
    });
    const seen = new Set(subscriber.received.map((entry) => entry.offset));
    expect(acks.filter((ack) => !seen.has(ack.offset)).map((ack) => ack.offset)).toEqual([]);
    // In order, once each, no gap (a publish reported unavailable may still have been stored: it counts too).
    expect(subscriber.received.map((entry) => entry.offset)).toEqual(
      Array.from({ length: lastOffset }, (_, i) => i + 1),
    );
  });
});
