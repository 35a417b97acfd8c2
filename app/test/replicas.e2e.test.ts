import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis } from '../../runtime/redis.js';
import { type ReplicaHandle, startReplica } from '../../runtime/replica.js';
import { waitFor } from '../../runtime/wait-for.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { scrapeMetric } from './helpers/metrics.js';
import { type Frame, ProbeClient } from './helpers/ws-client.js';

const logDir = join('.lab', 'test-logs', `replicas-${Date.now()}`);

// Three replicas as child processes on one real Redis, history on: per-room channels (single)
// and the one general channel baseline (broadcast).
describe.each(['single', 'broadcast'])('replicas over a real Redis, BUS_MODE=%s', (busMode) => {
  let redis: RedisServerHandle;
  const replicas: ReplicaHandle[] = [];
  const clients: ProbeClient[] = [];
  const connect = async (replica: ReplicaHandle) => {
    const client = await ProbeClient.connect(replica.wsUrl);
    clients.push(client);
    return client;
  };
  const publishAll = async (publisher: ProbeClient, room: string, values: number[]) => {
    for (const value of values) publisher.send({ op: 'pub', room, data: value, id: `${room}-${value}` });
    await publisher.next('ack', (frame) => frame.id === `${room}-${values.at(-1)}`, 20_000);
  };

  beforeAll(async () => {
    redis = await startRedis({ dir: resolve(logDir, busMode) });
    const spec = resolveTopologySpec({
      redisMode: 'single',
      fanout: busMode === 'broadcast' ? 'broadcast' : 'per-room',
      historySize: 50,
      publishRatePerS: 100_000,
      publishBurst: 100_000,
      drainWindowMs: 1000,
      logLevel: 'warn',
    });
    const placement = { redisUrl: redis.url };
    const started = await Promise.all(
      ['r1', 'r2', 'r3'].map((name) =>
        startReplica({ logDir, spec, placement, name: `${busMode}-${name}`, waitReady: true }),
      ),
    );
    replicas.push(...started);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    await redis?.stop();
  });

  it('a publish on one replica reaches clients on the other two once each, in order', async () => {
    const [r1, r2, r3] = replicas as [ReplicaHandle, ReplicaHandle, ReplicaHandle];
    const publisher = await connect(r1);
    const receivers = [await connect(r2), await connect(r2), await connect(r3)];
    for (const receiver of receivers) await receiver.join('fanout');
    const values = [...Array(200).keys()];
    await publishAll(publisher, 'fanout', values);
    for (const receiver of receivers) {
      const messages = await receiver.waitForMessages('fanout', 200);
      expect(messages.map((frame) => frame.data)).toEqual(values);
      expect(messages.map((frame) => frame.offset)).toEqual(values.map((value) => value + 1));
    }
    // Nothing more trickles in (no duplicate through a second subscription).
    await publishAll(publisher, 'fanout', [200]);
    for (const receiver of receivers) await receiver.waitForMessages('fanout', 201);
    for (const receiver of receivers) expect(receiver.messages('fanout')).toHaveLength(201);
    expect(await scrapeMetric(r2.httpUrl, 'wslab_messages_delivered_total')).toBeGreaterThanOrEqual(402);
    expect(await scrapeMetric(r1.httpUrl, 'wslab_publishes_total', { source: 'ws' })).toBeGreaterThanOrEqual(
      201,
    );
    expect(await scrapeMetric(r3.httpUrl, 'wslab_redis_up')).toBe(1);
  });

  it('resume on another replica: exactly the missed messages, then live; too old → missed', async () => {
    const [r1, r2, r3] = replicas as [ReplicaHandle, ReplicaHandle, ReplicaHandle];
    const publisher = await connect(r1);
    const subscriber = await connect(r2);
    await subscriber.join('resume');
    await publishAll(publisher, 'resume', [1, 2, 3, 4, 5]);
    const seen = await subscriber.waitForMessages('resume', 5);
    const last = seen.at(-1) as Frame & { offset: number; epoch: string };
    subscriber.close();
    await subscriber.closed;
    await publishAll(publisher, 'resume', [6, 7, 8, 9, 10]);

    const back = await connect(r3);
    const joined = await back.join('resume', { offset: last.offset, epoch: last.epoch });
    expect(joined).toMatchObject({
      recovered: true,
      missed: false,
      position: { offset: 10, epoch: last.epoch },
    });
    await publishAll(publisher, 'resume', [11, 12]);
    const resumed = await back.waitForMessages('resume', 7);
    expect(resumed.map((frame) => frame.data)).toEqual([6, 7, 8, 9, 10, 11, 12]);

    // HISTORY_SIZE is 50: after 60 more, offset 5 is outside the window.
    await publishAll(
      publisher,
      'resume',
      [...Array(60).keys()].map((value) => 100 + value),
    );
    const late = await connect(r2);
    expect(await late.join('resume', { offset: last.offset, epoch: last.epoch })).toMatchObject({
      missed: true,
      recovered: false,
    });
  });

  it('readyz turns 503 while Redis is down and back to 200 after it returns', async () => {
    const r1 = replicas[0]!;
    await redis.kill();
    await waitFor(async () => (await fetch(`${r1.httpUrl}/readyz`)).status === 503, { timeoutMs: 10_000 });
    expect(await scrapeMetric(r1.httpUrl, 'wslab_redis_up')).toBe(0);
    expect((await fetch(`${r1.httpUrl}/healthz`)).status).toBe(200);
    await redis.restart();
    await waitFor(async () => (await fetch(`${r1.httpUrl}/readyz`)).status === 200, { timeoutMs: 15_000 });
    // Subscriptions came back by themselves: a room joined before the outage still receives.
    const client = await connect(r1);
    await client.join('after-outage');
    const publisher = await connect(replicas[1]!);
    await publishAll(publisher, 'after-outage', [1]);
    expect((await client.waitForMessages('after-outage', 1))[0]).toMatchObject({ data: 1 });
  });

  it('SIGTERM drains: clients closed with 1012 within DRAIN_WINDOW_MS, exit 0', async () => {
    const r3 = replicas[2]!;
    const members = await Promise.all(Array.from({ length: 30 }, () => connect(r3)));
    const startedAt = Date.now();
    const exit = r3.stop('SIGTERM');
    const codes = await Promise.all(members.map(async (member) => (await member.closed).code));
    const elapsedMs = Date.now() - startedAt;
    expect(codes).toEqual(Array(30).fill(1012));
    expect(elapsedMs).toBeLessThan(1000 + 1500);
    expect(await exit).toEqual({ code: 0, signal: null });
  });
});
