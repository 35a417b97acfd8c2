import type { StreamPosition } from '../contracts/protocol.js';

/** How messages cross replicas. */
export type BusMode = 'memory' | 'single' | 'cluster' | 'broadcast';

export type BusState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** What one replica publishes. */
export interface PublishRequest {
  room: string;
  /** The client's `data`, already serialised (validated JSON text): spliced into frames, never re-parsed. */
  dataJson: string;
  /** Publish time at the publishing replica, ms since the Unix epoch. */
  ts: number;
  /** Instance id of the publishing replica. */
  origin: string;
  /** Typing indicators and the like: fanned out, never stored, no offset. */
  ephemeral?: boolean;
}

/** The outcome of a publish; `offset` 0 and `epoch` '' when history is off or the message is ephemeral. */
export interface PublishResult {
  offset: number;
  epoch: string;
}

/** One message as every subscribed replica receives it. */
export interface BusEntry {
  room: string;
  offset: number;
  epoch: string;
  ts: number;
  dataJson: string;
  origin: string;
  ephemeral: boolean;
}

/** The answer to a resume. */
export interface HistoryRange {
  /** Entries with offset > since.offset, oldest first (empty when `missed`'s gap cannot be filled). */
  entries: BusEntry[];
  /** The room's current top (last stored offset and epoch). */
  position: StreamPosition;
  /** True when `since` is older than the retained window or from another epoch. */
  missed: boolean;
}

/**
 * Cross-instance fan-out plus the per-room history it publishes into.
 * Implementations: memory (tests of the hub), single Redis, Redis Cluster
 * (sharded pub/sub), broadcast (one general channel, the baseline).
 *
 * The hub calls `subscribe` when a room's first local member joins and
 * `unsubscribe` when the last leaves; implementations restore their
 * subscriptions by themselves after a reconnect or a cluster failover.
 */
export interface Bus {
  readonly mode: BusMode;
  readonly historyEnabled: boolean;
  readonly state: BusState;
  /**
   * True while the bus is not ready because Redis stopped answering on connections that look open
   * (the health check: frozen, cut off, a dead host), not because a connection closed. Only then
   * may moving clients to another replica help: a Redis that closed its connections (stopped,
   * restarted) is gone for every replica alike. Absent: never.
   */
  readonly silentFailure?: boolean;

  /** Stores (when history is on and not ephemeral) and fans out, atomically. */
  publish(request: PublishRequest): Promise<PublishResult>;
  /** The room's current position (offset 0 with a fresh epoch for a room never published to). */
  position(room: string): Promise<StreamPosition>;
  /** Everything after `since` that is still retained. */
  readSince(room: string, since: StreamPosition): Promise<HistoryRange>;

  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;

  /** Called for every entry of a subscribed room, in the order Redis delivered them. */
  onMessage(listener: (entry: BusEntry) => void): void;
  onStateChange(listener: (state: BusState) => void): void;
  /** Payloads from Redis that could not be decoded (counted by the service, then dropped). */
  onDecodeError(listener: (error: Error) => void): void;

  close(): Promise<void>;
}
