import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis } from '../../runtime/redis.js';
import { type ReplicaHandle, startReplica } from '../../runtime/replica.js';
import { startTcpRelay, type TcpRelay } from '../../runtime/tcp-relay.js';
import { waitFor } from '../../runtime/wait-for.js';
import { resolveTopologySpec } from '../../topology/spec.js';
import { CLOSE_CODES } from '../src/contracts/protocol.js';
import { ProbeClient } from './helpers/ws-client.js';

/**
 * Silent Redis failures against real replicas and a real redis-server: SIGSTOP of Redis (the
 * kernel keeps its sockets; nothing answers) and a silent cut of one replica's link (a relay that
 * stops forwarding). Without the bus's PING health check both leave /readyz at 200 for the whole
 * failure; with it the replica is unready within a few seconds and ready again after the heal.
 */
const dir = resolve('.lab', `e2e-bus-health-${process.pid}`);
// PING round every 1 s, 2 failed rounds of 1 s: ≤ 3 s; the bound leaves room for a loaded machine.
const UNREADY_WITHIN_MS = 7_000;
let redis: RedisServerHandle;
let relay: TcpRelay;
let direct: ReplicaHandle;
let relayed: ReplicaHandle;
const clients: ProbeClient[] = [];

async function readyStatus(replica: ReplicaHandle): Promise<number> {
  try {
    return (await fetch(`${replica.httpUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })).status;
  } catch {
    return 0;
  }
}

async function timeUntil(replica: ReplicaHandle, status: number, since: number, timeoutMs: number) {
  await waitFor(async () => (await readyStatus(replica)) === status, {
    timeoutMs,
    intervalMs: 100,
    description: `${replica.instanceId} /readyz ${status}`,
  });
  return Date.now() - since;
}

beforeAll(async () => {
  redis = await startRedis({ dir: join(dir, 'redis') });
  relay = await startTcpRelay(redis.port);
  const spec = resolveTopologySpec({ redisMode: 'single', logLevel: 'warn' });
  const start = (name: string, port: number) =>
    startReplica({
      logDir: join(dir, 'replicas'),
      spec,
      placement: { redisUrl: `redis://127.0.0.1:${port}` },
      name,
      waitReady: true,
    });
  [direct, relayed] = await Promise.all([start('direct', redis.port), start('relayed', relay.port)]);
});

afterAll(async () => {
  for (const client of clients) client.socket.terminate();
  relay?.heal();
  redis?.process.killNow('SIGCONT');
  await Promise.all([direct?.kill(), relayed?.kill()]);
  await relay?.close();
  await redis?.stop();
});

describe('the bus notices a silent Redis failure', () => {
  it('Redis frozen (SIGSTOP): both replicas unready within seconds, ready again after SIGCONT; no lost message', async () => {
    const member = await ProbeClient.connect(direct.wsUrl);
    clients.push(member);
    member.send({ op: 'join', room: 'frozen-redis' });
    const joined = await member.next('joined');
    const frozenAt = Date.now();
    redis.process.killNow('SIGSTOP');
    let unreadyMs: number[];
    try {
      unreadyMs = await Promise.all(
        [direct, relayed].map((replica) => timeUntil(replica, 503, frozenAt, UNREADY_WITHIN_MS + 3_000)),
      );
      // While Redis is gone its clients are shed (1013), to reconnect where Redis is reachable.
      const { code } = await member.closed;
      expect(code).toBe(CLOSE_CODES.tryAgainLater);
    } finally {
      redis.process.killNow('SIGCONT');
    }
    console.info(`redis SIGSTOP: /readyz 503 after ${unreadyMs.join(', ')} ms`);
    for (const ms of unreadyMs) expect(ms).toBeLessThan(UNREADY_WITHIN_MS);
    const thawedAt = Date.now();
    const readyMs = await Promise.all(
      [direct, relayed].map((replica) => timeUntil(replica, 200, thawedAt, 10_000)),
    );
    console.info(`redis SIGCONT: /readyz 200 after ${readyMs.join(', ')} ms`);
    const publisher = await ProbeClient.connect(relayed.wsUrl);
    clients.push(publisher);
    publisher.send({ op: 'pub', room: 'frozen-redis', data: 'after', id: 'a1' });
    expect(await publisher.next('ack')).toMatchObject({ id: 'a1', offset: 1 });
    const back = await ProbeClient.connect(direct.wsUrl);
    clients.push(back);
    back.send({ op: 'join', room: 'frozen-redis', since: joined.position });
    expect(await back.next('msg')).toMatchObject({ data: 'after', offset: 1 });
  });

  it("one replica's Redis link cut silently: that replica alone turns unready, sheds its clients, and is ready after the heal", async () => {
    const member = await ProbeClient.connect(relayed.wsUrl);
    clients.push(member);
    member.send({ op: 'join', room: 'cut' });
    const joined = await member.next('joined');
    const cutAt = Date.now();
    relay.cut();
    let unreadyMs: number;
    try {
      unreadyMs = await timeUntil(relayed, 503, cutAt, UNREADY_WITHIN_MS + 3_000);
      console.info(`silent cut: /readyz 503 after ${unreadyMs} ms`);
      expect(unreadyMs).toBeLessThan(UNREADY_WITHIN_MS);
      expect(await readyStatus(direct)).toBe(200);
      // While cut: its clients are closed with 1013 and reconnect elsewhere with since.
      const { code } = await member.closed;
      expect(code).toBe(CLOSE_CODES.tryAgainLater);
      const moved = await ProbeClient.connect(direct.wsUrl);
      clients.push(moved);
      const publisher = await ProbeClient.connect(direct.wsUrl);
      clients.push(publisher);
      publisher.send({ op: 'pub', room: 'cut', data: 'during', id: 'c1' });
      await publisher.next('ack');
      moved.send({ op: 'join', room: 'cut', since: joined.position });
      expect(await moved.next('msg')).toMatchObject({ data: 'during' });
    } finally {
      relay.heal();
    }
    const healedAt = Date.now();
    const readyMs = await timeUntil(relayed, 200, healedAt, 10_000);
    console.info(`silent cut healed: /readyz 200 after ${readyMs} ms`);
    const again = await ProbeClient.connect(relayed.wsUrl);
    clients.push(again);
    again.send({ op: 'join', room: 'cut', since: joined.position });
    expect(await again.next('msg')).toMatchObject({ data: 'during' });
  });
});
