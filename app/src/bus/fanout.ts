import type { Cluster, Redis } from 'ioredis';
import { broadcastChannel, roomKeys, roomOfChannel } from '../contracts/redis-keys.js';

/** Receives every raw payload with the channel it came on. */
export type PayloadListener = (channel: string, payload: string) => void;

/**
 * How one mode moves payloads between replicas: which channel a room
 * publishes to and what subscribing to a room means at the Redis level.
 * The RedisBus above it does refcounting, decoding and filtering.
 */
export interface Fanout {
  /** Command the publish script (or a plain publish) uses. */
  readonly publishCommand: 'publish' | 'spublish';
  /** Channel a room's messages are published to. */
  channelFor(room: string): string;
  /**
   * The room a per-room channel belongs to (payloads are checked against it);
   * undefined for the general channel of broadcast mode or a foreign channel.
   */
  roomOf(channel: string): string | undefined;
  /** Starts delivering payloads to `listener`. */
  start(listener: PayloadListener): Promise<void>;
  /** Subscribes at the Redis level; resolves once Redis confirmed. */
  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  /**
   * Re-subscribes `rooms` after the subscriber connection came back, and
   * resolves once Redis confirmed: only then is the bus 'ready' again, so
   * nothing published after that moment can miss this replica.
   */
  resync(rooms: string[]): Promise<void>;
  /**
   * Optional: calls `listener` when the client re-subscribed by itself while
   * the bus stayed 'ready' (a cluster failover moves a shard's subscriber to
   * the promoted replica); the bus then confirms and fetches what was missed.
   */
  onResubscribed?(listener: () => void): void;
}

/** Channel naming shared by the per-room fan-outs (single Redis and sharded cluster): one channel per room, hash-tagged. */
abstract class PerRoomChannels {
  constructor(protected readonly keyPrefix: string) {}

  channelFor(room: string): string {
    return roomKeys(room, this.keyPrefix).channel;
  }

  roomOf(channel: string): string | undefined {
    return roomOfChannel(channel, this.keyPrefix);
  }
}

/** Single Redis: one channel per room, SUBSCRIBE/PUBLISH. ioredis re-subscribes after a reconnect (autoResubscribe). */
export class ChannelFanout extends PerRoomChannels implements Fanout {
  readonly publishCommand = 'publish' as const;

  constructor(
    private readonly subscriber: Redis,
    keyPrefix: string,
  ) {
    super(keyPrefix);
  }

  async start(listener: PayloadListener): Promise<void> {
    // The injected client may carry other subscriptions: only ours are forwarded.
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (this.roomOf(channel) !== undefined) listener(channel, payload);
    });
  }

  async subscribe(room: string): Promise<void> {
    await this.subscriber.subscribe(this.channelFor(room));
  }

  async unsubscribe(room: string): Promise<void> {
    await this.subscriber.unsubscribe(this.channelFor(room));
  }

  async resync(rooms: string[]): Promise<void> {
    // ioredis already queued its own re-SUBSCRIBE on this connection; ours is
    // answered after it, so its reply means every channel is back.
    if (rooms.length > 0) await this.subscriber.subscribe(...rooms.map((room) => this.channelFor(room)));
  }
}

/**
 * Redis Cluster: sharded pub/sub. SSUBSCRIBE goes, through ioredis's
 * sharded subscriber group (`shardedSubscribers: true`), to the master that
 * owns the room's slot, where the publish script SPUBLISHes.
 */
export class ShardedFanout extends PerRoomChannels implements Fanout {
  readonly publishCommand = 'spublish' as const;

  constructor(
    private readonly cluster: Cluster,
    keyPrefix: string,
  ) {
    super(keyPrefix);
  }

  async start(listener: PayloadListener): Promise<void> {
    this.cluster.on('smessage', (channel: string, payload: string) => {
      if (this.roomOf(channel) !== undefined) listener(channel, payload);
    });
  }

  async subscribe(room: string): Promise<void> {
    await this.cluster.ssubscribe(this.channelFor(room));
  }

  async unsubscribe(room: string): Promise<void> {
    await this.cluster.sunsubscribe(this.channelFor(room));
  }

  onResubscribed(listener: () => void): void {
    // Emitted by ioredis's sharded subscriber group after it rebuilt subscribers for a new slot map.
    this.cluster.on('subscribersReady', listener);
  }

  async resync(rooms: string[]): Promise<void> {
    // One SSUBSCRIBE per room: a command's channels must share a slot.
    await Promise.all(rooms.map((room) => this.cluster.ssubscribe(this.channelFor(room))));
  }
}

/**
 * The seed's design, kept as the baseline: every replica subscribes to one
 * general channel and drops what is not for its rooms. Every message reaches
 * every replica, which is what the experiments measure against.
 */
export class BroadcastFanout implements Fanout {
  readonly publishCommand = 'publish' as const;
  private readonly channel: string;
  private subscribed: Promise<unknown> | undefined;

  constructor(
    private readonly subscriber: Redis,
    keyPrefix: string,
  ) {
    this.channel = broadcastChannel(keyPrefix);
  }

  channelFor(): string {
    return this.channel;
  }

  roomOf(): string | undefined {
    return undefined;
  }

  async start(listener: PayloadListener): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) listener(channel, payload);
    });
    this.subscribed = this.subscriber.subscribe(this.channel);
    // Awaited by subscribe(); a failure here is retried by ioredis's autoResubscribe.
    this.subscribed.catch(() => undefined);
  }

  async subscribe(): Promise<void> {
    // Rooms are filtered locally; only the general subscription must be in place.
    if (
      this.subscribed === undefined ||
      (await this.subscribed.then(
        () => false,
        () => true,
      ))
    ) {
      this.subscribed = this.subscriber.subscribe(this.channel);
      await this.subscribed;
    }
  }

  async unsubscribe(): Promise<void> {}

  async resync(): Promise<void> {
    this.subscribed = this.subscriber.subscribe(this.channel);
    await this.subscribed;
  }
}
