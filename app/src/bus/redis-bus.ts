import type { Cluster, Redis } from 'ioredis';
import type { StreamPosition } from '../contracts/protocol.js';
import { roomKeys } from '../contracts/redis-keys.js';
import type { Bus, BusEntry, BusMode, BusState, HistoryRange, PublishRequest, PublishResult } from './bus.js';
import { decodeBody, decodePayload, encodeBody, encodePayload } from './codec.js';
import { BusDecodeError, BusUnavailableError } from './errors.js';
import type { Fanout } from './fanout.js';
import { BusEvents } from './listeners.js';
import { type BusOptions, newEpoch, type ResolvedBusOptions, resolveBusOptions } from './options.js';
import { HistoryScripts, type RedisCommander, ReplicaAckError } from './scripts.js';

interface RoomSubscription {
  /** subscribe() calls not yet matched by unsubscribe(). */
  count: number;
  /** Settles when Redis confirmed the subscription. */
  confirmed: Promise<void>;
  /** Epoch and offset of the last stored entry delivered ('' before the first): detects gaps. */
  epoch: string;
  lastOffset: number;
  /** True while missing entries are read from history; live ones wait in `pending`. */
  repairing: boolean;
  pending: BusEntry[];
}

/** What a RedisBus is built from: injected clients, never built here. */
export interface RedisBusParts {
  mode: Exclude<BusMode, 'memory'>;
  /** Runs the history scripts, reads and plain publishes. */
  commands: RedisCommander;
  fanout: Fanout;
  /** Every client whose reachability makes up the bus state (commands and subscriber). */
  watched: Array<Redis | Cluster>;
}

/**
 * The Redis bus for all three modes: history through one Lua script per
 * operation, fan-out through the mode's Fanout, per-room refcounts, and a
 * state that follows the clients' reachability.
 *
 * Failure policy: every operation is bounded by `operationTimeoutMs` and
 * rejects with BusUnavailableError when the bus is not 'ready', when Redis
 * answers with a transient error, or when the bound passes. ioredis may still
 * deliver a command that timed out here (it resends after reconnecting), so a
 * publish reported as unavailable may yet be stored: at-least-once for
 * retrying clients, never a lost acknowledged message.
 */
export class RedisBus implements Bus {
  readonly mode: BusMode;
  readonly historyEnabled: boolean;
  private readonly options: ResolvedBusOptions;
  private readonly events = new BusEvents();
  private readonly scripts: HistoryScripts;
  private readonly rooms = new Map<string, RoomSubscription>();
  private readonly watchers: Array<() => void> = [];
  private readonly started: Promise<void>;
  /** Set when a client dropped after the bus had been ready: subscriptions must be confirmed again. */
  private needsResync = false;
  private resyncing = false;
  /** Times the client re-subscribed by itself (cluster failovers seen); for tests and the lab. */
  resubscribedCount = 0;
  private resubscribeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly parts: RedisBusParts,
    options: BusOptions,
  ) {
    this.options = resolveBusOptions(options);
    this.mode = parts.mode;
    this.historyEnabled = this.options.history;
    this.scripts = new HistoryScripts(parts.commands);
    for (const client of parts.watched) this.watch(client);
    this.updateState();
    this.started = parts.fanout.start((channel, payload) => this.fanoutOnPayload(channel, payload));
    parts.fanout.onResubscribed?.(() => this.fanoutOnResubscribed());
    this.started.catch(() => undefined);
  }

  get state(): BusState {
    return this.events.state;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.ensureReady();
    const { fanout, commands } = this.parts;
    const body = encodeBody(request);
    const channel = fanout.channelFor(request.room);
    if (!this.historyEnabled || request.ephemeral) {
      const payload = encodePayload(0, '', body);
      const sent =
        fanout.publishCommand === 'spublish'
          ? (commands as Cluster).spublish(channel, payload)
          : commands.publish(channel, payload);
      await this.bounded(sent, 'publish');
      return { offset: 0, epoch: '' };
    }
    const keys = { ...roomKeys(request.room, this.options.keyPrefix), channel };
    const [offset, epoch] = await this.bounded(
      this.scripts.publish(
        keys,
        body,
        this.options.historySize,
        this.options.historyTtlS,
        newEpoch(),
        fanout.publishCommand,
        { acks: this.options.replicaAcks, timeoutMs: this.options.replicaAckTimeoutMs },
      ),
      'publish',
    );
    return { offset: Number(offset), epoch };
  }

  async position(room: string): Promise<StreamPosition> {
    this.ensureReady();
    if (!this.historyEnabled) return { offset: 0, epoch: '' };
    const keys = roomKeys(room, this.options.keyPrefix);
    const [top, epoch] = await this.bounded(
      this.scripts.read(keys, newEpoch(), this.options.historyTtlS, undefined, ''),
      'position',
    );
    return { offset: Number(top), epoch };
  }

  async readSince(room: string, since: StreamPosition): Promise<HistoryRange> {
    this.ensureReady();
    // Without history nothing can be replayed: any real position was missed.
    if (!this.historyEnabled)
      return { entries: [], position: { offset: 0, epoch: '' }, missed: since.offset > 0 };
    const keys = roomKeys(room, this.options.keyPrefix);
    const [top, epoch, missed, raw] = await this.bounded(
      this.scripts.read(keys, newEpoch(), this.options.historyTtlS, since.offset, since.epoch),
      'readSince',
    );
    const entries: BusEntry[] = [];
    for (const [id, fields] of raw) {
      const offset = Number.parseInt(id, 10);
      const body = fields[1];
      try {
        if (body === undefined) throw new BusDecodeError('stream entry: no body');
        entries.push(decodeBody(body, offset, epoch));
      } catch (error) {
        // A foreign or corrupt stream entry is counted and skipped like a bad payload.
        this.events.emitDecodeError(error as Error);
      }
    }
    return { entries, position: { offset: Number(top), epoch }, missed: missed === 1 };
  }

  async subscribe(room: string): Promise<void> {
    this.ensureReady();
    const existing = this.rooms.get(room);
    if (existing !== undefined) {
      existing.count += 1;
      try {
        await existing.confirmed;
      } catch (error) {
        this.release(room, existing);
        throw error;
      }
      return;
    }
    const subscription: RoomSubscription = {
      count: 1,
      confirmed: this.started.then(() => this.bounded(this.parts.fanout.subscribe(room), 'subscribe')),
      epoch: '',
      lastOffset: 0,
      repairing: false,
      pending: [],
    };
    this.rooms.set(room, subscription);
    try {
      await subscription.confirmed;
    } catch (error) {
      this.release(room, subscription);
      throw error;
    }
  }

  async unsubscribe(room: string): Promise<void> {
    const subscription = this.rooms.get(room);
    if (subscription === undefined) return;
    subscription.count -= 1;
    if (subscription.count > 0) return;
    this.rooms.delete(room);
    // Local delivery stops at once (the filter below); the Redis side may lag or fail harmlessly.
    if (this.events.state === 'closed') return;
    await this.bounded(this.parts.fanout.unsubscribe(room), 'unsubscribe').catch(() => undefined);
  }

  onMessage(listener: (entry: BusEntry) => void): void {
    this.events.onMessage(listener);
  }

  onStateChange(listener: (state: BusState) => void): void {
    this.events.onStateChange(listener);
  }

  onDecodeError(listener: (error: Error) => void): void {
    this.events.onDecodeError(listener);
  }

  /** Stops delivery and detaches from the clients; the caller owns (and quits) the injected clients. */
  async close(): Promise<void> {
    if (this.events.state === 'closed') return;
    const rooms = [...this.rooms.keys()];
    this.rooms.clear();
    this.events.setState('closed');
    clearTimeout(this.resubscribeTimer);
    for (const unwatch of this.watchers) unwatch();
    await Promise.allSettled(rooms.map((room) => this.bounded(this.parts.fanout.unsubscribe(room), 'close')));
  }

  /** The rooms subscribed at the Redis level (for tests and metrics). */
  subscribedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  private fanoutOnPayload(channel: string, payload: string): void {
    if (this.events.state === 'closed') return;
    let entry: BusEntry;
    try {
      entry = decodePayload(payload);
      const channelRoom = this.parts.fanout.roomOf(channel);
      if (channelRoom !== undefined && channelRoom !== entry.room) {
        throw new BusDecodeError('payload: room does not match its channel');
      }
    } catch (error) {
      this.events.emitDecodeError(error as Error);
      return;
    }
    // Broadcast filter, and late messages after the last local member left.
    const subscription = this.rooms.get(entry.room);
    if (subscription === undefined) return;
    if (entry.offset === 0) this.deliver(entry);
    else this.sequence(entry.room, subscription, entry);
  }

  private deliver(entry: BusEntry): void {
    if (this.options.dropOwnEchoes && entry.origin === this.options.instanceId) return;
    this.events.emitMessage(entry);
  }

  /**
   * Stored entries go out per room in offset order without gaps or
   * duplicates: a live entry that skips offsets (published while this
   * replica's subscription was being restored after a reconnect or failover)
   * makes the bus read the missing ones from history first.
   */
  private sequence(room: string, subscription: RoomSubscription, entry: BusEntry): void {
    if (subscription.repairing) {
      subscription.pending.push(entry);
    } else if (entry.epoch !== subscription.epoch) {
      // First entry since subscribing, or a new epoch (lost stream): nothing to fill.
      subscription.epoch = entry.epoch;
      subscription.lastOffset = entry.offset;
      this.deliver(entry);
    } else if (entry.offset === subscription.lastOffset + 1) {
      subscription.lastOffset = entry.offset;
      this.deliver(entry);
    } else if (entry.offset > subscription.lastOffset) {
      subscription.pending.push(entry);
      this.repair(room, subscription);
    }
    // else: already delivered (a replayed entry met its live copy).
  }

  /** Reads what `subscription` missed after its last offset, delivers it, then what waited. */
  private repair(room: string, subscription: RoomSubscription): void {
    if (subscription.repairing || subscription.epoch === '') return;
    subscription.repairing = true;
    const since = { offset: subscription.lastOffset, epoch: subscription.epoch };
    const current = (): boolean => this.rooms.get(room) === subscription;
    this.readSince(room, since)
      .then(
        (range) => {
          if (range.missed || !current()) return;
          for (const entry of range.entries) this.deliverNext(subscription, entry);
        },
        // Redis unreachable again: deliver what we have; the gap stays (the hub's resume covers clients).
        () => undefined,
      )
      .finally(() => {
        subscription.repairing = false;
        if (!current()) return;
        const pending = subscription.pending.splice(0).sort((a, b) => a.offset - b.offset);
        for (const entry of pending) {
          if (entry.epoch !== subscription.epoch) subscription.lastOffset = 0;
          subscription.epoch = entry.epoch;
          this.deliverNext(subscription, entry);
        }
      });
  }

  private deliverNext(subscription: RoomSubscription, entry: BusEntry): void {
    if (entry.offset <= subscription.lastOffset) return;
    subscription.lastOffset = entry.offset;
    this.deliver(entry);
  }

  /**
   * The client moved subscriptions by itself (cluster failover): confirm them,
   * then fill what was missed. ioredis 5.11 signals this on every slot-map
   * refresh while a master is down (hundreds of times per failover), so the
   * work is coalesced into one run per RESUBSCRIBE_DEBOUNCE_MS.
   */
  private fanoutOnResubscribed(): void {
    if (this.resubscribeTimer !== undefined) return;
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = undefined;
      if (this.events.state !== 'ready' || this.rooms.size === 0) return;
      this.resubscribedCount += 1;
      this.bounded(this.parts.fanout.resync([...this.rooms.keys()]), 'resubscribe').then(
        () => {
          for (const [room, subscription] of this.rooms) this.repair(room, subscription);
        },
        // The next live entry of each room still triggers a repair.
        () => undefined,
      );
    }, RESUBSCRIBE_DEBOUNCE_MS);
    this.resubscribeTimer.unref();
  }

  private release(room: string, subscription: RoomSubscription): void {
    subscription.count -= 1;
    if (subscription.count > 0 || this.rooms.get(room) !== subscription) return;
    this.rooms.delete(room);
    // The SUBSCRIBE may still reach Redis later (queued by ioredis): undo it then.
    void this.parts.fanout.unsubscribe(room).catch(() => undefined);
  }

  private watch(client: Redis | Cluster): void {
    const update = (): void => this.updateState();
    const events = ['ready', 'connect', 'close', 'reconnecting', 'end'] as const;
    for (const event of events) client.on(event, update);
    // Connection errors show in `state` (the service logs and exports it); without a listener
    // ioredis would print every failed reconnect attempt to stderr.
    const ignoreError = (): void => undefined;
    client.on('error', ignoreError);
    this.watchers.push(() => {
      for (const event of events) client.off(event, update);
      client.off('error', ignoreError);
    });
  }

  private updateState(): void {
    if (this.events.state === 'closed') return;
    const allReady = this.parts.watched.every((client) => client.status === 'ready');
    if (!allReady) {
      if (this.events.state === 'ready') this.needsResync = true;
      if (this.events.state !== 'connecting') this.events.setState('reconnecting');
      return;
    }
    if (this.needsResync) {
      this.resync();
      return;
    }
    this.events.setState('ready');
  }

  /** After a reconnect: 'ready' only once Redis confirmed every room's subscription again. */
  private resync(): void {
    if (this.resyncing) return;
    this.resyncing = true;
    this.bounded(this.parts.fanout.resync([...this.rooms.keys()]), 'resubscribe').then(
      () => {
        this.resyncing = false;
        this.needsResync = false;
        this.updateState();
        // Anything published while the subscriber was away is in history: fetch it now, not at the next publish.
        for (const [room, subscription] of this.rooms) this.repair(room, subscription);
      },
      () => {
        this.resyncing = false;
        // Still connected but Redis did not confirm: try again shortly, not in a hot loop.
        setTimeout(() => this.updateState(), RESYNC_RETRY_MS).unref();
      },
    );
  }

  private ensureReady(): void {
    const state = this.events.state;
    if (state !== 'ready') throw new BusUnavailableError(`bus: redis ${state}`);
  }

  /** Bounds one Redis operation and maps transient failures to BusUnavailableError. */
  private bounded<T>(operation: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new BusUnavailableError(`bus: ${what} timed out after ${this.options.operationTimeoutMs} ms`));
      }, this.options.operationTimeoutMs);
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(toBusError(error, what));
        },
      );
    });
  }
}

const RESYNC_RETRY_MS = 200;
const RESUBSCRIBE_DEBOUNCE_MS = 250;

/** Redis errors that mean "try again later" rather than a bug in our commands. */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|READONLY|MOVED|ASK|NOREPLICAS|BUSY)\b/;

function toBusError(error: unknown, what: string): Error {
  if (error instanceof BusUnavailableError) return error;
  if (error instanceof ReplicaAckError) {
    return new BusUnavailableError(`bus: ${what} not confirmed: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !TRANSIENT_REPLY.test(message)) return error as Error;
  return new BusUnavailableError(`bus: ${what} failed: ${message}`, { cause: error });
}
