import type { Cluster, Redis } from 'ioredis';
import type { StreamPosition } from '../contracts/protocol.js';
import { boundedCall } from './bounded.js';
import type { Bus, BusEntry, BusMode, BusState, HistoryRange, PublishRequest, PublishResult } from './bus.js';
import { decodePayload } from './codec.js';
import { ConnectionState } from './connection-state.js';
import { BusDecodeError, BusUnavailableError } from './errors.js';
import type { Fanout } from './fanout.js';
import { BusHealthCheck, HEALTH_CHECK_DEFAULTS, type PingTarget } from './health-check.js';
import { BusEvents } from './listeners.js';
import { type BusOptions, type ResolvedBusOptions, resolveBusOptions } from './options.js';
import { RedisHistory } from './redis-history.js';
import { RoomSequencer } from './room-sequencer.js';
import type { RedisCommander } from './scripts.js';

interface RoomSubscription {
  /** subscribe() calls not yet matched by unsubscribe(). */
  count: number;
  /** Settles when Redis confirmed the subscription. */
  confirmed: Promise<void>;
}

/** What a RedisBus is built from: injected clients, never built here. */
export interface RedisBusParts {
  mode: Exclude<BusMode, 'memory'>;
  /** Runs the history scripts, reads and plain publishes. */
  commands: RedisCommander;
  fanout: Fanout;
  /** Every client whose reachability makes up the bus state (commands and subscriber). */
  watched: Array<Redis | Cluster>;
  /** Overrides of the PING health check's timing (tests); defaults HEALTH_CHECK_DEFAULTS. */
  healthCheck?: Partial<typeof HEALTH_CHECK_DEFAULTS>;
}

/** A Redis connection PINGs itself; a Cluster is checked through its masters (any one answering will do). */
function pingTargetsOf(client: Redis | Cluster): PingTarget[] {
  return 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis];
}

/**
 * The Redis bus for all three modes, composed: history (RedisHistory, one Lua
 * script per operation), fan-out through the mode's Fanout, per-room ordering
 * and gap repair (RoomSequencer, Redis-free), the state that follows the
 * clients' reachability (ConnectionState) and the bound on every call
 * (boundedCall). What stays here: per-room subscription refcounts, decoding
 * live payloads, and confirming subscriptions a cluster client moved.
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
  private readonly history: RedisHistory;
  private readonly rooms = new Map<string, RoomSubscription>();
  private readonly sequencer: RoomSequencer;
  private readonly connection: ConnectionState;
  private readonly health: BusHealthCheck;
  private readonly started: Promise<void>;
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
    this.history = new RedisHistory(parts.commands, parts.fanout, this.options, (error) =>
      this.events.emitDecodeError(error),
    );
    this.sequencer = new RoomSequencer(
      (room, since) => this.readSince(room, since),
      (entry) => this.deliver(entry),
    );
    this.health = new BusHealthCheck({
      ...HEALTH_CHECK_DEFAULTS,
      ...parts.healthCheck,
      targets: () => parts.watched.map(pingTargetsOf),
      onChange: () => this.connection.refresh(),
    });
    this.connection = new ConnectionState({
      clients: parts.watched,
      events: this.events,
      isHealthy: () => this.health.isHealthy,
      resubscribe: () => this.bounded(parts.fanout.resync([...this.rooms.keys()]), 'resubscribe'),
      onResubscribed: () => this.sequencer.repairAll(),
    });
    this.started = parts.fanout.start((channel, payload) => this.fanoutOnPayload(channel, payload));
    parts.fanout.onResubscribed?.(() => this.fanoutOnResubscribed());
    this.started.catch(() => undefined);
    this.health.start();
  }

  get state(): BusState {
    return this.events.state;
  }

  get silentFailure(): boolean {
    return !this.health.isHealthy && this.events.state !== 'ready' && this.events.state !== 'closed';
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.ensureReady();
    return this.bounded(this.history.publish(request), 'publish');
  }

  async position(room: string): Promise<StreamPosition> {
    this.ensureReady();
    return this.bounded(this.history.position(room), 'position');
  }

  async readSince(room: string, since: StreamPosition): Promise<HistoryRange> {
    this.ensureReady();
    return this.bounded(this.history.readSince(room, since), 'readSince');
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
    };
    this.rooms.set(room, subscription);
    this.sequencer.track(room);
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
    this.sequencer.untrack(room);
    // Local delivery stops at once (the sequencer drops untracked rooms); the Redis side may lag or fail harmlessly.
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
    this.sequencer.untrackAll();
    this.events.setState('closed');
    clearTimeout(this.resubscribeTimer);
    this.health.stop();
    this.connection.detach();
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
    // Ordered per room; the broadcast filter and late messages after the last local member left are dropped there.
    this.sequencer.accept(entry);
  }

  private deliver(entry: BusEntry): void {
    if (this.options.dropOwnEchoes && entry.origin === this.options.instanceId) return;
    this.events.emitMessage(entry);
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
        () => this.sequencer.repairAll(),
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
    this.sequencer.untrack(room);
    // The SUBSCRIBE may still reach Redis later (queued by ioredis): undo it then.
    void this.parts.fanout.unsubscribe(room).catch(() => undefined);
  }

  private ensureReady(): void {
    const state = this.events.state;
    if (state !== 'ready') throw new BusUnavailableError(`bus: redis ${state}`);
  }

  /** Bounds one Redis operation (operationTimeoutMs) and maps transient failures to BusUnavailableError. */
  private bounded<T>(operation: Promise<T>, what: string): Promise<T> {
    return boundedCall(operation, what, this.options.operationTimeoutMs);
  }
}

const RESUBSCRIBE_DEBOUNCE_MS = 250;
