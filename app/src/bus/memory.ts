import type { StreamPosition } from '../contracts/protocol.js';
import type { Bus, BusEntry, BusMode, BusState, HistoryRange, PublishRequest, PublishResult } from './bus.js';
import { decodeBody, decodePayload, encodeBody, encodePayload } from './codec.js';
import { BusUnavailableError } from './errors.js';
import { BusEvents } from './listeners.js';
import { type BusOptions, newEpoch, type ResolvedBusOptions, resolveBusOptions } from './options.js';

interface MemoryRoom {
  epoch: string;
  /** Last offset handed out. */
  offset: number;
  /** Retained bodies, oldest first, at most the publisher's historySize. */
  entries: Array<{ offset: number; body: string }>;
}

/**
 * What Redis is to the Redis buses: the shared history and the channels.
 * Several MemoryBus instances on one broker behave like replicas sharing one
 * Redis. Payloads cross it encoded, so the codec runs as it does with Redis.
 * TTLs are not modelled.
 */
export class MemoryBroker {
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly buses = new Set<MemoryBus>();
  private isAvailable = true;

  /** Whether "Redis" is reachable; false makes every bus 'reconnecting' and every operation fail. */
  get available(): boolean {
    return this.isAvailable;
  }

  /**
   * Simulates Redis going away (false) and coming back (true). Subscriptions survive, as with Redis.
   * `silent`: it went away without closing anything (frozen, cut off), as the health check finds.
   */
  setAvailable(available: boolean, how: { silent?: boolean } = {}): void {
    this.isAvailable = available;
    this.silent = !available && how.silent === true;
    for (const bus of this.buses) bus.brokerAvailabilityChanged(available);
  }

  /** True while unavailable silently (see setAvailable). */
  silent = false;

  /** Sends a raw payload to every bus subscribed to `room` (tests: garbage on the channel). */
  publishRaw(room: string, payload: string): void {
    queueMicrotask(() => {
      for (const bus of this.buses) bus.deliver(room, payload);
    });
  }

  /** Forgets a room's history and epoch (tests: a lost stream). */
  deleteHistory(room: string): void {
    this.rooms.delete(room);
  }

  /** @internal */
  attach(bus: MemoryBus): void {
    this.buses.add(bus);
  }

  /** @internal */
  detach(bus: MemoryBus): void {
    this.buses.delete(bus);
  }

  /** @internal The room's history, created with a fresh epoch when missing. */
  room(room: string): MemoryRoom {
    let state = this.rooms.get(room);
    if (state === undefined) {
      state = { epoch: newEpoch(), offset: 0, entries: [] };
      this.rooms.set(room, state);
    }
    return state;
  }
}

/** In-memory Bus for unit tests of the hub. Mirrors the Redis buses' semantics (offsets, epochs, refcounts). */
export class MemoryBus implements Bus {
  readonly mode: BusMode = 'memory';
  readonly historyEnabled: boolean;
  private readonly options: ResolvedBusOptions;
  private readonly events = new BusEvents();
  /** Room → number of subscribe calls not yet matched by unsubscribe. */
  private readonly subscriptions = new Map<string, number>();

  constructor(
    private readonly broker: MemoryBroker,
    options: BusOptions,
  ) {
    this.options = resolveBusOptions(options);
    this.historyEnabled = this.options.history;
    broker.attach(this);
    this.events.setState(broker.available ? 'ready' : 'reconnecting');
  }

  get silentFailure(): boolean {
    return this.broker.silent && this.state !== 'ready';
  }

  get state(): BusState {
    return this.events.state;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    this.ensureAvailable();
    const body = encodeBody(request);
    let offset = 0;
    let epoch = '';
    if (this.historyEnabled && !request.ephemeral) {
      const room = this.broker.room(request.room);
      room.offset += 1;
      offset = room.offset;
      epoch = room.epoch;
      room.entries.push({ offset, body });
      if (room.entries.length > this.options.historySize) room.entries.shift();
    }
    this.broker.publishRaw(request.room, encodePayload(offset, epoch, body));
    return { offset, epoch };
  }

  async position(room: string): Promise<StreamPosition> {
    this.ensureAvailable();
    if (!this.historyEnabled) return { offset: 0, epoch: '' };
    const state = this.broker.room(room);
    return { offset: state.offset, epoch: state.epoch };
  }

  async readSince(room: string, since: StreamPosition): Promise<HistoryRange> {
    this.ensureAvailable();
    if (!this.historyEnabled)
      return { entries: [], position: { offset: 0, epoch: '' }, missed: since.offset > 0 };
    const state = this.broker.room(room);
    const position = { offset: state.offset, epoch: state.epoch };
    const oldest = state.entries[0]?.offset ?? state.offset + 1;
    if (since.epoch !== state.epoch || since.offset < oldest - 1 || since.offset > state.offset) {
      return { entries: [], position, missed: true };
    }
    const entries: BusEntry[] = [];
    for (const stored of state.entries) {
      if (stored.offset > since.offset) entries.push(decodeBody(stored.body, stored.offset, state.epoch));
    }
    return { entries, position, missed: false };
  }

  async subscribe(room: string): Promise<void> {
    this.ensureAvailable();
    this.subscriptions.set(room, (this.subscriptions.get(room) ?? 0) + 1);
  }

  async unsubscribe(room: string): Promise<void> {
    const count = this.subscriptions.get(room) ?? 0;
    if (count <= 1) this.subscriptions.delete(room);
    else this.subscriptions.set(room, count - 1);
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

  async close(): Promise<void> {
    this.subscriptions.clear();
    this.broker.detach(this);
    this.events.setState('closed');
  }

  /** @internal Called by the broker for every payload sent to `room`. */
  deliver(room: string, payload: string): void {
    if (!this.subscriptions.has(room) || this.events.state === 'closed') return;
    let entry: BusEntry;
    try {
      entry = decodePayload(payload);
    } catch (error) {
      this.events.emitDecodeError(error as Error);
      return;
    }
    if (this.options.dropOwnEchoes && entry.origin === this.options.instanceId) return;
    this.events.emitMessage(entry);
  }

  /** @internal */
  brokerAvailabilityChanged(available: boolean): void {
    this.events.setState(available ? 'ready' : 'reconnecting');
  }

  private ensureAvailable(): void {
    if (this.events.state === 'closed') throw new BusUnavailableError('bus: closed');
    if (!this.broker.available) throw new BusUnavailableError('bus: memory broker unavailable');
  }
}

/** A MemoryBus on `broker` (a new broker when omitted: a single replica). */
export function createMemoryBus(options: BusOptions, broker: MemoryBroker = new MemoryBroker()): MemoryBus {
  return new MemoryBus(broker, options);
}
