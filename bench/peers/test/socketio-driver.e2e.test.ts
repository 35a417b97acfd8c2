/**
 * The runner's Socket.IO wire against real Socket.IO servers (two, with the classic Redis
 * adapter on a real Redis): every acked message reaches every subscriber of its room across
 * replicas, acks come back, and Engine.IO pings are answered (a short ping interval and timeout:
 * a client that does not answer is dropped within 400 ms, so the run would see disconnects).
 * No timing assertions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../loadtests/runner/index.js';
import { startRedis } from '../../../runtime/redis.js';
import { benchSocketIoServer, type SocketIoServerHandle, stopAll } from '../../bench-topology.js';

const dir = mkdtempSync(join(tmpdir(), 'wslab-sio-driver-'));
let servers: SocketIoServerHandle[] = [];

beforeAll(async () => {
  const redis = await startRedis({ dir });
  const pings = ['--ping-interval-ms', '200', '--ping-timeout-ms', '200'];
  servers = await Promise.all(
    ['sio-0', 'sio-1'].map((name) =>
      benchSocketIoServer(dir, name, { adapter: 'redis', redisUrl: redis.url }, pings),
    ),
  );
});
afterAll(async () => {
  await stopAll(5_000);
});

const scalar = (
  metrics: Record<string, { kind: string; value?: number }>,
  name: string,
): number | undefined => metrics[name]?.value;

describe('Socket.IO wire (bench:peers driver)', () => {
  it('delivers every acked message across two replicas, gets acks, answers pings', async () => {
    const result = await runScenario(
      'fanout',
      {
        publishers: 4,
        subscribers: 40,
        rooms: 4,
        ratePerPublisher: 20,
        durationMs: 2_000,
        settleTimeoutMs: 5_000,
      },
      { url: servers.map((s) => s.wsUrl), serverPids: servers.map((s) => s.pid), label: 'socketio' },
      { protocol: 'socketio', inline: true, progress: false },
    );
    const m = result.metrics as Record<string, { kind: string; value?: number }>;
    const published = scalar(m, 'messages_published') ?? 0;
    // 4 publishers × 20/s × 2 s, each acked.
    expect(published).toBe(160);
    expect(scalar(m, 'messages_unacked')).toBe(0);
    expect(scalar(m, 'publish_errors')).toBe(0);
    // One room per publisher, 10 subscribers per room: each acked message 10 times.
    expect(scalar(m, 'messages_expected')).toBe(published * 10);
    expect(scalar(m, 'messages_delivered')).toBe(published * 10);
    expect(scalar(m, 'messages_lost')).toBe(0);
    expect(scalar(m, 'messages_duplicated')).toBe(0);
    // 2 s of 200 ms pings: an unanswered ping would have closed connections.
    expect(scalar(m, 'disconnects')).toBe(0);
    expect(scalar(m, 'connections_opened')).toBe(44);
  });
});
