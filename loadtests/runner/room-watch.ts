import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../runtime/wait-for.js';
import { ProbeClient } from '../probe/probe-client.js';
import { DEFAULT_BACKOFF } from '../probe/reconnect.js';
import { ResilientClient } from './client.js';
import { nowMs } from './clock.js';

/**
 * One room watched through a silent fault (issue 22): `clients` load-runner clients join it
 * through a proxy, answer heartbeats as a browser does and reconnect with `since` when their
 * connection drops; a publisher connected straight to a replica the fault spares sends a numbered
 * message every `publishIntervalMs` and counts the acks. After `markFault()` each client records
 * when its next message arrived; `lostOf` is what it never got of what was acknowledged. Shared by
 * bench/silent-failures.ts and the lab's dead-replica, partition and lossy-link experiments.
 */
export interface RoomWatchOptions {
  /** Where the watched clients connect (a proxy's `…/ws`). */
  clientUrl: string;
  /** Where the publisher connects (`…/ws` of a replica the fault does not hit). */
  publisherUrl: string;
  clients: number;
  room: string;
  /** JWT for `auth: jwt` (every client and the publisher); unset: none. */
  token?: string;
  /** Default 100 ms (10 msg/s). */
  publishIntervalMs?: number;
  /** Filler per message, in bytes (a bandwidth cap needs bytes to bite). Default 0. */
  payloadBytes?: number;
}

export interface WatchedClient {
  client: ResilientClient;
  /** Message numbers received (live or replayed). */
  seen: Set<number>;
  /** The first message received after the fault (ms since the epoch); null: none yet. */
  firstAfterFaultMs: number | null;
  /** Publish → receive of each live message (one clock: publisher and clients share the process). */
  latencies: { receivedAtMs: number; latencyMs: number }[];
  /** Messages received a second time. */
  duplicates: number;
}

/** The figures of one fault for the clients it hit. */
export interface BackFigures {
  /** Clients on the struck replica when the fault began. */
  struck: number;
  /** Per struck client: seconds from the fault to its next message (null: none by the end). */
  backS: (number | null)[];
  maxBackS: number | null;
  neverBack: number;
  /** Struck clients whose reconnect landed on the struck replica again. */
  reconnectedOntoStruck: number;
}

interface MessageData {
  n: number;
  sentAtMs: number;
}

export class RoomWatch {
  readonly members: WatchedClient[] = [];
  readonly acked = new Set<number>();
  /** Publishes the publisher's socket could not carry (closed under it). */
  publishErrors = 0;
  private faultAtMs = Number.POSITIVE_INFINITY;
  private publisher: ProbeClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;

  private constructor(private readonly options: RoomWatchOptions) {}

  /** Connects and joins every client, starts publishing and resolves once 10 publishes were acked. */
  static async start(options: RoomWatchOptions): Promise<RoomWatch> {
    const watch = new RoomWatch(options);
    try {
      await watch.connectClients();
      await watch.startPublishing();
      return watch;
    } catch (error) {
      watch.stop();
      throw error;
    }
  }

  private async connectClients(): Promise<void> {
    const { options } = this;
    for (let index = 0; index < options.clients; index += 1) {
      const member: WatchedClient = {
        client: undefined as unknown as ResilientClient,
        seen: new Set(),
        firstAfterFaultMs: null,
        latencies: [],
        duplicates: 0,
      };
      member.client = new ResilientClient({
        urls: [options.clientUrl],
        urlIndex: 0,
        backoff: DEFAULT_BACKOFF,
        handshakeTimeoutMs: 10_000,
        reconnect: true,
        ...(options.token === undefined ? {} : { token: options.token }),
        listener: {
          onMessage: (frame, replayed, receivedAtMs) => {
            const data = frame.data as MessageData;
            if (member.seen.has(data.n)) member.duplicates += 1;
            member.seen.add(data.n);
            if (!replayed) member.latencies.push({ receivedAtMs, latencyMs: receivedAtMs - data.sentAtMs });
            if (member.firstAfterFaultMs === null && receivedAtMs > this.faultAtMs)
              member.firstAfterFaultMs = receivedAtMs;
          },
        },
      });
      this.members.push(member);
      await member.client.start();
      await member.client.join(options.room);
    }
  }

  private async startPublishing(): Promise<void> {
    const { options } = this;
    const publisher = await ProbeClient.connect(options.publisherUrl, {
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    this.publisher = publisher;
    publisher.onFrame((frame) => {
      if (frame.op === 'ack' && frame.id !== undefined) this.acked.add(Number(frame.id));
    });
    const pad = 'x'.repeat(options.payloadBytes ?? 0);
    this.timer = setInterval(() => {
      this.sent += 1;
      const data = { n: this.sent, sentAtMs: nowMs(), ...(pad ? { pad } : {}) };
      try {
        publisher.send({ op: 'pub', room: options.room, data, id: String(this.sent) });
      } catch {
        this.publishErrors += 1;
      }
    }, options.publishIntervalMs ?? 100);
    await waitFor(() => this.acked.size >= 10, {
      timeoutMs: 15_000,
      description: 'the publisher’s first 10 acks',
    });
  }

  /** The clients whose connection is on `replica` now. */
  clientsOn(replica: string): WatchedClient[] {
    return this.members.filter((member) => member.client.replica === replica);
  }

  /** Clients per replica now. */
  placement(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const member of this.members) {
      const replica = member.client.replica ?? 'none';
      counts[replica] = (counts[replica] ?? 0) + 1;
    }
    return counts;
  }

  /** From now on, each client's next message counts as its first after the fault. */
  markFault(atMs = nowMs()): number {
    this.faultAtMs = atMs;
    for (const member of this.members) member.firstAfterFaultMs = null;
    return atMs;
  }

  /** Resolves true once each of `members` received a message after the fault, false after `timeoutMs`. */
  waitBack(members: readonly WatchedClient[], timeoutMs: number): Promise<boolean> {
    return waitFor(() => members.every((member) => member.firstAfterFaultMs !== null), {
      timeoutMs,
      intervalMs: 100,
    }).then(
      () => true,
      () => false,
    );
  }

  /** Acknowledged messages `member` never received. */
  lostOf(member: WatchedClient): number {
    let lost = 0;
    for (const n of this.acked) if (!member.seen.has(n)) lost += 1;
    return lost;
  }

  /** Acknowledged messages lost, summed over every client. */
  ackedLost(): number {
    return this.members.reduce((sum, member) => sum + this.lostOf(member), 0);
  }

  /** Stops publishing and gives the clients up to `settleMs` to receive (or resume) every acked message. */
  async finish(settleMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await sleep(500);
    await waitFor(() => this.ackedLost() === 0, { timeoutMs: settleMs, intervalMs: 100 }).catch(
      () => undefined,
    );
  }

  /** How the clients `struck` at the fault on `replica` came back. */
  backFigures(struck: readonly WatchedClient[], replica: string): BackFigures {
    const backS = struck.map((member) =>
      member.firstAfterFaultMs === null ? null : (member.firstAfterFaultMs - this.faultAtMs) / 1000,
    );
    const known = backS.filter((value): value is number => value !== null);
    return {
      struck: struck.length,
      backS,
      maxBackS: known.length === 0 ? null : Math.max(...known),
      neverBack: backS.length - known.length,
      reconnectedOntoStruck: struck.filter((member) =>
        member.client.outages.some((outage) => outage.replica === replica),
      ).length,
    };
  }

  /** Close codes of every client's outages, counted (1013: slow consumer). */
  closeCodes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const member of this.members) {
      for (const outage of member.client.outages) {
        counts[outage.closeCode] = (counts[outage.closeCode] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Publish → receive of every live message received between `fromMs` and `toMs` (ms since the epoch). */
  latenciesMs(fromMs = 0, toMs = Number.POSITIVE_INFINITY): number[] {
    return this.members.flatMap((member) =>
      member.latencies
        .filter((sample) => sample.receivedAtMs >= fromMs && sample.receivedAtMs <= toMs)
        .map((sample) => sample.latencyMs),
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const member of this.members) member.client.stop();
    this.publisher?.close();
  }
}
