import { resolve } from 'node:path';
import { ProbeClient } from '../loadtests/probe/probe-client.js';
import { LocalRedis } from '../runtime/local/local-redis.js';
import { LocalWsService } from '../runtime/local/local-ws-service.js';
import type { RedisClusterHandle } from '../runtime/redis.js';
import type { ReplicaHandle } from '../runtime/replica.js';
import { waitFor } from '../runtime/wait-for.js';
import { resolveTopologySpec } from '../topology/spec.js';

export interface FailoverRunOptions {
  logDir: string;
  /** cluster-node-timeout. Default the spec's redisNodeTimeoutMs (2000 ms). */
  nodeTimeoutMs?: number;
  /** One publish this often. Default 20 ms. */
  publishIntervalMs?: number;
  /** Publishing before the kill. Default 1000 ms. */
  warmupMs?: number;
  /** Publishing after the first post-kill ack. Default 1000 ms. */
  cooldownMs?: number;
  room?: string;
}

/** What the run saw; `ackedMissingAfterResume` must be 0. */
export interface FailoverRunResult {
  nodeTimeoutMs: number;
  targetRecoveryMs: number;
  /** SIGKILL of the room's master → first ack of a publish sent after the kill. */
  recoveryMs: number;
  /** Until the cluster reported a promoted master for every slot (lab's view, polled every 100 ms). */
  promotionMs: number;
  /** recoveryMs − promotionMs: what the service (ioredis slot refresh, retries) adds after Redis's own failover. */
  serviceLagAfterPromotionMs: number;
  published: number;
  acked: number;
  /** Publishes answered with an error (not acknowledged: the client may retry). */
  failed: number;
  /** Acknowledged messages the subscriber had neither live nor after its resume. */
  ackedMissingAfterResume: number;
  /** Messages the subscriber got twice (live + resume overlap is de-duplicated by the service). */
  duplicates: number;
  recoveredWithoutMissedSignal: boolean;
}

interface Ack {
  offset: number;
  epoch: string;
  value: number;
}

type Frame = Record<string, unknown> & { op: string };

/** A client on the load runner's probe client, with every frame it receives after `hello`. */
async function open(url: string): Promise<{ client: ProbeClient; frames: Frame[] }> {
  const client = await ProbeClient.connect(url, { timeoutMs: 10_000 });
  const frames: Frame[] = [];
  client.onFrame((frame) => frames.push(frame as unknown as Frame));
  return { client, frames };
}

async function nextFrame(frames: Frame[], predicate: (frame: Frame) => boolean, timeoutMs = 20_000) {
  return waitFor(() => frames.find(predicate), { timeoutMs, description: 'frame' });
}

/**
 * Cluster failover as the service sees it: two replicas on a 6-node cluster;
 * a client on replica A publishes steadily into one room, a client on replica
 * B subscribes; the master owning the room's slot is SIGKILLed; publishing goes
 * on until acks return; at the end the subscriber resumes from the last offset
 * it saw in sequence, and every acknowledged message is looked for.
 */
export async function runClusterFailover(options: FailoverRunOptions): Promise<FailoverRunResult> {
  const spec = resolveTopologySpec({
    redisMode: 'cluster',
    ...(options.nodeTimeoutMs === undefined ? {} : { redisNodeTimeoutMs: options.nodeTimeoutMs }),
    publishRatePerS: 100_000,
    publishBurst: 100_000,
    logLevel: 'warn',
  });
  const nodeTimeoutMs = spec.redisNodeTimeoutMs;
  const publishIntervalMs = options.publishIntervalMs ?? 20;
  const room = options.room ?? 'failover';
  let redis: LocalRedis | undefined;
  let service: LocalWsService | undefined;
  const replicas: ReplicaHandle[] = [];
  const clients: ProbeClient[] = [];
  try {
    // Absolute: redis-server chdirs to its --dir, so a relative nodes.conf path would not resolve.
    redis = await LocalRedis.start({
      dir: resolve(options.logDir, 'cluster'),
      mode: spec.redisMode,
      nodeTimeoutMs,
    });
    const cluster = redis.cluster as RedisClusterHandle;
    service = new LocalWsService({
      spec,
      logDir: options.logDir,
      placement: redis.placement(),
    });
    for (const id of ['failover-a', 'failover-b']) {
      const slot = await service.add({ id });
      if (slot.handle) replicas.push(slot.handle);
    }
    const publisher = await open(replicas[0]!.wsUrl);
    const subscriber = await open(replicas[1]!.wsUrl);
    clients.push(publisher.client, subscriber.client);
    subscriber.client.send({ op: 'join', room });
    await nextFrame(subscriber.frames, (frame) => frame.op === 'joined');

    const acks = new Map<number, Ack>();
    const sentAt = new Map<number, number>();
    let failed = 0;
    let firstAckAfterKillAt: number | undefined;
    let killedAt: number | undefined;
    publisher.client.onFrame((received) => {
      const frame = received as unknown as Frame;
      if (typeof frame.id !== 'string') return;
      const value = Number(frame.id);
      if (frame.op === 'ack') {
        acks.set(value, { offset: frame.offset as number, epoch: frame.epoch as string, value });
        if (
          killedAt !== undefined &&
          firstAckAfterKillAt === undefined &&
          (sentAt.get(value) ?? 0) > killedAt
        ) {
          firstAckAfterKillAt = Date.now();
        }
      } else if (frame.op === 'error') {
        failed += 1;
      }
    });
    let next = 0;
    const timer = setInterval(() => {
      sentAt.set(next, Date.now());
      publisher.client.send({ op: 'pub', room, data: next, id: String(next) });
      next += 1;
    }, publishIntervalMs);

    await new Promise((resolve) => setTimeout(resolve, options.warmupMs ?? 1000));
    // The harness looks the master up first (redis-cli), then sends SIGKILL and returns: the clock starts here.
    await cluster.killMasterForRoom(room);
    killedAt = Date.now();
    const promotion = cluster.waitForPromotion().then(() => Date.now() - killedAt!);
    await waitFor(() => firstAckAfterKillAt !== undefined, {
      timeoutMs: nodeTimeoutMs * 5 + 20_000,
      intervalMs: 10,
      description: 'an ack after the kill',
    });
    const promotionMs = await promotion;
    await new Promise((resolve) => setTimeout(resolve, options.cooldownMs ?? 1000));
    clearInterval(timer);
    const published = next;
    // Every publish is answered (ack or error) within the bus's operation timeout.
    await waitFor(() => acks.size + failed >= published, { timeoutMs: 15_000, description: 'all answers' });

    // Resume: from the last offset received in sequence, on a fresh connection.
    const live = subscriber.frames.filter((frame) => frame.op === 'msg') as Array<
      Frame & Ack & { data: number }
    >;
    let resumeFrom = live[0]
      ? { offset: live[0].offset - 1, epoch: live[0].epoch }
      : { offset: 0, epoch: '' };
    for (const message of live) {
      if (message.epoch === resumeFrom.epoch && message.offset === resumeFrom.offset + 1) {
        resumeFrom = { offset: message.offset, epoch: message.epoch };
      } else break;
    }
    const resumed = await open(replicas[1]!.wsUrl);
    clients.push(resumed.client);
    resumed.client.send({ op: 'join', room, since: resumeFrom });
    const joined = await nextFrame(resumed.frames, (frame) => frame.op === 'joined');
    const lastAckOffset = Math.max(0, ...[...acks.values()].map((ack) => ack.offset));
    await waitFor(
      () => resumed.frames.some((frame) => frame.op === 'msg' && (frame.offset as number) >= lastAckOffset),
      { timeoutMs: 10_000, description: 'resume up to the last acked offset' },
    ).catch(() => undefined);
    const received = new Map<string, number>();
    let duplicates = 0;
    for (const message of live) {
      const key = `${message.epoch}:${message.offset}`;
      if (received.has(key)) duplicates += 1;
      received.set(key, message.data);
    }
    for (const frame of resumed.frames) {
      if (frame.op === 'msg') received.set(`${frame.epoch}:${frame.offset}`, frame.data as number);
    }
    let missing = 0;
    for (const ack of acks.values())
      if (received.get(`${ack.epoch}:${ack.offset}`) !== ack.value) missing += 1;
    return {
      nodeTimeoutMs,
      targetRecoveryMs: nodeTimeoutMs + 2000,
      recoveryMs: firstAckAfterKillAt! - killedAt,
      promotionMs,
      serviceLagAfterPromotionMs: firstAckAfterKillAt! - killedAt - promotionMs,
      published,
      acked: acks.size,
      failed,
      ackedMissingAfterResume: missing,
      duplicates,
      recoveredWithoutMissedSignal: joined.missed === false,
    };
  } finally {
    for (const client of clients) client.terminate();
    await service?.stop({ signal: 'SIGKILL' });
    await redis?.stop();
  }
}
