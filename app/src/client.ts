import type { WebSocket } from 'ws';
import type { Grants } from './auth.js';
import type { BusEntry } from './bus/bus.js';
import type { StreamPosition } from './contracts/protocol.js';
import type { PublishLimiter } from './limits.js';

/** One local member's state in a room. */
export interface Membership {
  /**
   * Non-null while the join is being resolved (subscribe, read history): live
   * entries for this socket are held here, then de-duplicated against the
   * history by offset and flushed. Null once the socket receives live.
   */
  pending: BusEntry[] | null;
  /**
   * After a resumed join: the last offset sent from history. The bus may deliver an entry the
   * history read already returned (the subscriber connection is read after the command reply),
   * so live entries at or below it in the same epoch are skipped; cleared by the first newer one.
   */
  resumedUpTo?: StreamPosition | null;
}

let nextClientNumber = 0;

/** A connected WebSocket client. Behaviour lives in the handlers (connection.ts), not here. */
export class Client {
  /** Unique within this instance (typing relays use it to skip the sender). */
  readonly id: string;
  readonly rooms = new Map<string, Membership>();
  /** Cleared by each heartbeat sweep, set by each pong. */
  isAlive = true;
  /** Set once the server decided to close it: nothing more is sent. */
  closing = false;
  /**
   * Framed bytes queued for this socket in the current event-loop turn, written in one go
   * (one system call) when the turn ends; owned by the Sender. Reused: emptied, never replaced.
   */
  readonly outbox: Buffer[] = [];
  /** Bytes in `outbox` (counted against the slow-consumer cap with the socket's own buffer). */
  outboxBytes = 0;

  constructor(
    readonly socket: WebSocket,
    readonly limiter: PublishLimiter,
    /** What the token allows; null when auth is off (everything allowed). */
    readonly grants: Grants | null,
  ) {
    nextClientNumber += 1;
    this.id = nextClientNumber.toString(36);
  }
}
