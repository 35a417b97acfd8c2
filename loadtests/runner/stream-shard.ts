/**
 * The client side of the streaming scenarios (fanout, failover, soak) for one shard:
 * subscribers join and account for every delivery (loss, duplicates, order, replays),
 * publishers send sequence-numbered payloads on the run's arrival schedule (each stamped with its
 * intended send time) and remember what was acked; the shard measures its own scheduling lag.
 */
import type { AckFrame, ErrorFrame, MsgFrame, ServerFrame } from '../../app/src/contracts/protocol.js';
import { PublisherArrivals } from '../scenarios/arrivals.js';
import { makePayload, paddingFor, readPayload } from '../scenarios/payload.js';
import { ResilientClient } from './client.js';
import { nowMs } from './clock.js';
import { encodeHistogram, type Histogram, newHistogram, recordMs } from './histogram.js';
import { SendScheduler } from './send-scheduler.js';
import {
  countMissing,
  rangesHave,
  rangesSize,
  type SeqRanges,
  SequenceSet,
  toRanges,
} from './sequence-set.js';
import { ShardCpu } from './shard-cpu.js';
import type {
  OutageRecord,
  ShardPort,
  ShardProgress,
  ShardReport,
  StreamShardPlan,
} from './shard-protocol.js';

/** After the publishing window: how long to wait for acks still in flight. */
const ACK_GRACE_MS = 5_000;

interface Subscriber {
  index: number;
  room: string;
  client: ResilientClient;
  /** Per publisher id: the sequence numbers received. */
  received: Map<string, SequenceSet>;
  uniqueReceived: number;
}

interface Publisher {
  index: number;
  id: string;
  room: string;
  client: ResilientClient;
  padding: string;
  nextSeq: number;
  /** seq → intended send time, for acks not yet received. */
  pending: Map<number, number>;
  acked: number[];
}

/** When a client counts as back: a subscriber once its rooms are re-joined, a publisher once reconnected. */
export function backAtMs(outage: OutageRecord): number | null {
  return outage.role === 'subscriber' ? outage.rejoinedAtMs : outage.reopenedAtMs;
}

export class StreamShard {
  private readonly counters = {
    connections_opened: 0,
    connect_failures: 0,
    messages_published: 0,
    messages_unacked: 0,
    publish_skipped: 0,
    publish_errors: 0,
    messages_delivered: 0,
    messages_duplicated: 0,
    messages_out_of_order: 0,
    messages_recovered: 0,
    resume_missed: 0,
    disconnects: 0,
    reconnects: 0,
    terminal_closes: 0,
  };
  private readonly latency = newHistogram();
  private readonly ackLatency = newHistogram();
  private readonly handshake = newHistogram();
  /** Actual − intended send time of every scheduled send: the runner's own lateness. */
  private readonly schedulingLag = newHistogram();
  private readonly timeline = new Map<number, { delivered: number; latency: Histogram }>();
  private readonly subscribers: Subscriber[] = [];
  private readonly publishers: Publisher[] = [];
  private readonly outages: OutageRecord[] = [];
  private publishStartAtMs = 0;
  private lastDeliveryAtMs = 0;
  private open = 0;
  private peakOpen = 0;
  private scheduler: SendScheduler | null = null;
  private stopped = false;
  private progressTimer: NodeJS.Timeout | null = null;
  private readonly cpu: ShardCpu;

  constructor(
    private readonly plan: StreamShardPlan,
    private readonly port: ShardPort,
    reportsCpu: boolean,
  ) {
    this.cpu = new ShardCpu(reportsCpu);
  }

  /** Connects and joins every client at the shard's connect rate; resolves when all are in place. */
  async init(): Promise<void> {
    const { plan } = this;
    const spacingMs = plan.connectRatePerS > 0 ? 1_000 / plan.connectRatePerS : 0;
    const started: Promise<unknown>[] = [];
    let slot = 0;
    const nextSlot = async (): Promise<void> => {
      const waitMs = slot * spacingMs;
      slot += 1;
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    };
    for (const spec of plan.subscribers) {
      const subscriber: Subscriber = {
        index: spec.index,
        room: spec.room,
        received: new Map(),
        uniqueReceived: 0,
        client: this.makeClient('subscriber', spec, {
          onMessage: (frame, replayed, at) => this.subscriberOnMessage(subscriber, frame, replayed, at),
          onFrame: (frame) => this.subscriberOnFrame(frame),
        }),
      };
      this.subscribers.push(subscriber);
      started.push(
        nextSlot()
          .then(() => subscriber.client.start())
          .then(() => subscriber.client.join(spec.room)),
      );
    }
    for (const spec of plan.publishers) {
      const publisher: Publisher = {
        ...spec,
        padding: paddingFor(spec.id, plan.params.messageBytes),
        nextSeq: 1,
        pending: new Map(),
        acked: [],
        client: this.makeClient('publisher', spec, {
          onFrame: (frame, at) => this.publisherOnFrame(publisher, frame, at),
        }),
      };
      this.publishers.push(publisher);
      started.push(nextSlot().then(() => publisher.client.start()));
    }
    this.progressTimer = setInterval(
      () => this.port.post({ type: 'progress', progress: this.progress() }),
      1_000,
    );
    await Promise.all(started);
    this.port.post({
      type: 'ready',
      opened: this.counters.connections_opened,
      failures: this.counters.connect_failures,
      cpuUs: this.cpu.totalUs(),
    });
  }

  private makeClient(
    role: 'publisher' | 'subscriber',
    spec: { index: number; urlIndex: number; room: string; localAddress?: string },
    listener: Pick<import('./client.js').ClientListener, 'onMessage' | 'onFrame'>,
  ): ResilientClient {
    const { params, urls, clients } = this.plan;
    const { index, urlIndex } = spec;
    return new ResilientClient({
      urls,
      urlIndex,
      stickyRoom: spec.room,
      cookies: clients.cookies,
      ...(clients.token === undefined ? {} : { token: clients.token }),
      protocol: clients.protocol ?? 'wslab',
      ...(spec.localAddress === undefined ? {} : { localAddress: spec.localAddress }),
      backoff: { initialMs: params.backoffInitialMs, maxMs: params.backoffMaxMs },
      handshakeTimeoutMs: 10_000,
      reconnect: true,
      listener: {
        ...listener,
        onOpen: (handshakeMs) => {
          this.counters.connections_opened += 1;
          recordMs(this.handshake, handshakeMs);
          this.connectionUp();
        },
        onConnectFailure: () => {
          this.counters.connect_failures += 1;
        },
        onOutageStart: (outage) => {
          this.counters.disconnects += 1;
          this.open -= 1;
          this.outages.push(Object.assign(outage, { role, client: index }) as OutageRecord);
          if (role === 'publisher') this.publisherLost(index);
        },
        onOutageEnd: () => {
          this.counters.reconnects += 1;
          this.connectionUp();
        },
        onTerminalClose: () => {
          this.counters.terminal_closes += 1;
          this.open -= 1;
        },
      },
    });
  }

  private connectionUp(): void {
    this.open += 1;
    if (this.open > this.peakOpen) this.peakOpen = this.open;
  }

  private subscriberOnMessage(
    subscriber: Subscriber,
    frame: MsgFrame,
    replayed: boolean,
    atMs: number,
  ): void {
    const payload = readPayload(frame.data);
    if (!payload) return;
    this.counters.messages_delivered += 1;
    if (atMs > this.lastDeliveryAtMs) this.lastDeliveryAtMs = atMs;
    let set = subscriber.received.get(payload.p);
    if (!set) {
      set = new SequenceSet();
      subscriber.received.set(payload.p, set);
    }
    const highestBefore = set.highest;
    if (!set.add(payload.s)) {
      this.counters.messages_duplicated += 1;
      return;
    }
    subscriber.uniqueReceived += 1;
    if (payload.s < highestBefore) this.counters.messages_out_of_order += 1;
    if (replayed) {
      this.counters.messages_recovered += 1;
      return;
    }
    recordMs(this.latency, atMs - payload.t);
    const bucket = Math.floor((atMs - this.publishStartAtMs) / this.plan.params.sampleEveryMs);
    let slot = this.timeline.get(bucket);
    if (!slot) {
      slot = { delivered: 0, latency: newHistogram() };
      this.timeline.set(bucket, slot);
    }
    slot.delivered += 1;
    recordMs(slot.latency, atMs - payload.t);
  }

  private subscriberOnFrame(frame: ServerFrame): void {
    if (frame.op === 'joined' && frame.missed) this.counters.resume_missed += 1;
  }

  private publisherOnFrame(publisher: Publisher, frame: ServerFrame, atMs: number): void {
    if (frame.op !== 'ack' && frame.op !== 'error') return;
    const seq = Number((frame as AckFrame | ErrorFrame).id);
    const sentAt = publisher.pending.get(seq);
    if (sentAt === undefined) return;
    publisher.pending.delete(seq);
    if (frame.op === 'ack') {
      publisher.acked.push(seq);
      this.counters.messages_published += 1;
      recordMs(this.ackLatency, atMs - sentAt);
    } else {
      this.counters.publish_errors += 1;
    }
  }

  /** Acks of frames sent on a lost connection will never come: count them as unacked now. */
  private publisherLost(index: number): void {
    const publisher = this.publishers.find((p) => p.index === index);
    if (!publisher) return;
    this.counters.messages_unacked += publisher.pending.size;
    publisher.pending.clear();
  }

  /**
   * Publishes on the arrival schedule from `startAtMs` for `durationMs`, then reports what was
   * acked. `seed` seeds the Poisson gaps (the same for every shard; streams differ by publisher).
   */
  async publish(startAtMs: number, durationMs: number, seed: number): Promise<void> {
    if (this.stopped) return;
    this.publishStartAtMs = startAtMs;
    const { params } = this.plan;
    this.scheduler = new SendScheduler({
      startAtMs,
      endAtMs: startAtMs + durationMs,
      now: nowMs,
      onLag: (lagMs) => recordMs(this.schedulingLag, lagMs),
      streams: this.publishers.map((publisher) => ({
        arrivals: new PublisherArrivals({
          model: params.arrivals,
          publisherIndex: publisher.index,
          publishers: params.publishers,
          ratePerS: params.ratePerPublisher,
          durationMs,
          seed,
        }),
        send: (intendedAtMs: number) => this.publishOne(publisher, intendedAtMs),
      })),
    });
    await this.scheduler.run();
    this.scheduler = null;
    // Aborted (stopAll): the clients are gone, no grace wait and no report.
    if (this.stopped) return;
    const graceEnd = nowMs() + ACK_GRACE_MS;
    while (!this.stopped && this.publishers.some((p) => p.pending.size > 0) && nowMs() < graceEnd) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const acked: Record<string, SeqRanges> = {};
    for (const publisher of this.publishers) {
      this.counters.messages_unacked += publisher.pending.size;
      publisher.pending.clear();
      acked[publisher.id] = toRanges(publisher.acked);
    }
    this.port.post({ type: 'published', acked, cpuUs: this.cpu.totalUs() });
  }

  /** Sends one message stamped with its intended send time (latency counts from its slot). */
  private publishOne(publisher: Publisher, intendedAtMs: number): void {
    if (!publisher.client.isOpen) {
      this.counters.publish_skipped += 1;
      return;
    }
    const seq = publisher.nextSeq;
    const data = makePayload(publisher.id, seq, intendedAtMs, publisher.padding);
    if (publisher.client.send({ op: 'pub', room: publisher.room, data, id: String(seq) })) {
      publisher.nextSeq += 1;
      publisher.pending.set(seq, intendedAtMs);
    } else {
      this.counters.publish_skipped += 1;
    }
  }

  /**
   * Waits until every subscriber holds every acked message of its room (or the timeout), then
   * closes all clients and reports exact loss: acked messages a subscriber never received.
   */
  async settle(acked: Record<string, SeqRanges>, timeoutMs: number): Promise<void> {
    const byRoom = new Map<string, Array<[string, SeqRanges]>>();
    for (const [id, ranges] of Object.entries(acked)) {
      const room = this.roomOfPublisher(id);
      if (room === undefined) continue;
      const list = byRoom.get(room) ?? [];
      list.push([id, ranges]);
      byRoom.set(room, list);
    }
    const expectedOf = (subscriber: Subscriber): number =>
      (byRoom.get(subscriber.room) ?? []).reduce((sum, [, ranges]) => sum + rangesSize(ranges), 0);
    const deadline = nowMs() + timeoutMs;
    while (
      !this.stopped &&
      nowMs() < deadline &&
      this.subscribers.some((s) => s.uniqueReceived < expectedOf(s))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.stopAll();
    let expected = 0;
    let lost = 0;
    let unexpected = 0;
    for (const subscriber of this.subscribers) {
      for (const [id, ranges] of byRoom.get(subscriber.room) ?? []) {
        const set = subscriber.received.get(id);
        expected += rangesSize(ranges);
        lost += countMissing(ranges, set);
      }
      for (const [id, set] of subscriber.received) {
        const ranges = acked[id] ?? [];
        for (let seq = 1; seq <= set.highest; seq += 1)
          if (set.has(seq) && !rangesHave(ranges, seq)) unexpected += 1;
      }
    }
    this.port.post({
      type: 'report',
      report: this.report({
        messages_expected: expected,
        messages_lost: lost,
        messages_unexpected: unexpected,
      }),
    });
  }

  /** Publisher ids are global; the room of each comes from the shared layout via the coordinator's map. */
  private roomOfPublisher(id: string): string | undefined {
    return this.plan.publisherRooms[id];
  }

  private progress(): ShardProgress {
    return {
      open: this.open,
      published: this.counters.messages_published,
      delivered: this.counters.messages_delivered,
      reconnects: this.counters.reconnects,
      failures: this.counters.connect_failures,
    };
  }

  stopAll(): void {
    this.stopped = true;
    this.scheduler?.stop();
    this.scheduler = null;
    if (this.progressTimer) clearInterval(this.progressTimer);
    this.progressTimer = null;
    for (const subscriber of this.subscribers) subscriber.client.stop();
    for (const publisher of this.publishers) publisher.client.stop();
  }

  private report(extra: Record<string, number>): ShardReport {
    const clientsNotBack = new Set(
      this.outages.filter((o) => backAtMs(o) === null).map((o) => `${o.role}:${o.client}`),
    ).size;
    return {
      counters: { ...this.counters, ...extra, clients_not_back: clientsNotBack },
      histograms: {
        delivery_latency_ms: encodeHistogram(this.latency),
        publish_ack_ms: encodeHistogram(this.ackLatency),
        handshake_ms: encodeHistogram(this.handshake),
        scheduling_lag_ms: encodeHistogram(this.schedulingLag),
      },
      timeline: [...this.timeline].map(([bucket, slot]) => ({
        bucket,
        delivered: slot.delivered,
        latency: encodeHistogram(slot.latency),
      })),
      outages: this.outages,
      ...this.cpu.reportFields(),
      peakOpen: this.peakOpen,
    };
  }
}
