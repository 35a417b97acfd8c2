import type { Bus, BusEntry } from './bus/bus.js';
import type { Client, Membership } from './client.js';
import { CLOSES, ERRORS, type JoinedFrame, type StreamPosition } from './contracts/protocol.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { encodeFrame, encodeMsg, encodeTyping } from './protocol/encode.js';
import type { Sender } from './sender.js';

/** A joining socket that collects more live entries than this while its history is read is dropped (1013). */
export const PENDING_MAX_ENTRIES = 10_000;
/** Without a heartbeat (interval 0): how long a replay waits for a peer that reads nothing. */
export const REPLAY_STALL_MS = 10_000;

/**
 * Local rooms and their members. Subscribes the bus to a room when its first
 * local member joins and unsubscribes when the last leaves; fans each bus
 * entry out to the room's members with one encoded buffer. Owns its rooms:
 * callers join, leave and ask through the methods below.
 */
export class Hub {
  private readonly rooms = new Map<string, Set<Client>>();
  /** The last subscribe/unsubscribe per room: they run one after another, never interleaved. */
  private readonly roomOps = new Map<string, Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly sender: Sender,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly instanceId: string,
    /** A resume's replay to a peer that reads nothing for this long ends with 1013. */
    private readonly replayStallMs: number = REPLAY_STALL_MS,
  ) {
    bus.onMessage((entry) => this.fanOut(entry));
  }

  /** Whether rooms keep history (told to clients in `hello`). */
  get historyEnabled(): boolean {
    return this.bus.historyEnabled;
  }

  /** Local members of `room` (0 when it has none). */
  memberCount(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }

  /**
   * Joins `client` to `room` and sends `joined`, then (with `since`) the missed
   * history, then live entries: no gap, no duplicate.
   *
   * Order: subscribe first (live entries for this socket are held from the
   * moment it is a member), then read the range; send `joined`, the history
   * entries, then the held entries whose offset is past the last one sent.
   * Resolves false when the socket left, closed or the bus failed meanwhile.
   */
  async join(client: Client, room: string, since: StreamPosition | undefined): Promise<boolean> {
    const membership: Membership = { pending: [] };
    client.rooms.set(room, membership);
    const stillJoining = () => client.rooms.get(room) === membership && !client.closing;
    try {
      await this.addMember(room, client);
      if (!stillJoining()) return false;
      let joined: JoinedFrame;
      let history: BusEntry[] = [];
      let lastSent: StreamPosition | null = null;
      if (!this.bus.historyEnabled) {
        // Plain pub/sub: nothing to resume from; a client that asked is told it may have missed messages.
        joined = { op: 'joined', room, position: null, recovered: false, missed: since !== undefined };
      } else if (since === undefined) {
        const position = await this.bus.position(room);
        if (!stillJoining()) return false;
        joined = { op: 'joined', room, position, recovered: false, missed: false };
      } else {
        const range = await this.bus.readSince(room, since);
        if (!stillJoining()) return false;
        history = range.entries;
        joined = {
          op: 'joined',
          room,
          position: range.position,
          recovered: !range.missed,
          missed: range.missed,
        };
        // Held entries at or below the top read are in `history` (or older than `since`): skip them.
        const last = history.at(-1);
        lastSent = last ? { offset: last.offset, epoch: last.epoch } : range.position;
      }
      this.sender.send(client, encodeFrame(joined));
      let delivered = 0;
      try {
        // Paced by what the peer reads: a backlog larger than the send buffer is replayed whole
        // instead of tripping the slow-consumer cap on every resume (the client could never catch up).
        for (const entry of history) {
          const room = this.sender.whenRoom(client, this.replayStallMs);
          if (room !== true && !(await room)) return false;
          if (!stillJoining()) return false;
          if (this.sender.send(client, encodeMsg(entry))) delivered += 1;
        }
        // Live entries stay held (in order, behind the replay) until the last held one is sent.
        const held = membership.pending ?? [];
        for (let index = 0; index < held.length; index += 1) {
          const entry = held[index]!;
          if (entry.ephemeral) continue;
          if (lastSent !== null && entry.epoch === lastSent.epoch && entry.offset <= lastSent.offset)
            continue;
          const room = this.sender.whenRoom(client, this.replayStallMs);
          if (room !== true && !(await room)) return false;
          if (!stillJoining()) return false;
          if (this.sender.send(client, encodeMsg(entry))) delivered += 1;
          if (lastSent !== null && entry.epoch === lastSent.epoch)
            lastSent = { offset: entry.offset, epoch: entry.epoch };
        }
        membership.pending = null;
      } finally {
        if (delivered > 0) this.metrics.messagesDelivered.inc(delivered);
      }
      // The bus can still deliver entries the history read returned: skip those (see fanOut).
      membership.resumedUpTo = lastSent;
      return true;
    } catch (error) {
      if (client.rooms.get(room) === membership) {
        client.rooms.delete(room);
        this.removeMember(room, client);
        this.logger.warn({ err: error, room }, 'join failed');
        this.sender.sendError(client, ERRORS.joinUnavailable);
      }
      return false;
    }
  }

  /** Removes `client` from `room`. False when it was not a member. */
  leave(client: Client, room: string): boolean {
    if (!client.rooms.delete(room)) return false;
    this.removeMember(room, client);
    return true;
  }

  /** Removes a closed client from every room. */
  leaveAll(client: Client): void {
    for (const room of client.rooms.keys()) this.removeMember(room, client);
    client.rooms.clear();
  }

  /** Adds a member; resolves once the room's subscription is in place (rejects if it failed). */
  private addMember(room: string, client: Client): Promise<void> {
    let members = this.rooms.get(room);
    if (members === undefined) {
      members = new Set();
      this.rooms.set(room, members);
      this.metrics.roomsLocal.set(this.rooms.size);
      this.chain(room, () => this.bus.subscribe(room));
    }
    members.add(client);
    return this.roomOps.get(room)!;
  }

  private removeMember(room: string, client: Client): void {
    const members = this.rooms.get(room);
    if (members === undefined || !members.delete(client)) return;
    if (members.size > 0) return;
    this.rooms.delete(room);
    this.metrics.roomsLocal.set(this.rooms.size);
    this.chain(room, () => this.bus.unsubscribe(room)).catch((error: unknown) => {
      this.logger.warn({ err: error, room }, 'unsubscribe failed');
    });
  }

  private chain(room: string, operation: () => Promise<void>): Promise<void> {
    const previous = this.roomOps.get(room) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    this.roomOps.set(room, next);
    // Forget settled operations of empty rooms so the map does not grow with every room ever seen.
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.roomOps.get(room) === next && !this.rooms.has(room)) this.roomOps.delete(room);
      });
    return next;
  }

  /** Fans one bus entry out to the room's local members (the hot path). */
  private fanOut(entry: BusEntry): void {
    const members = this.rooms.get(entry.room);
    if (members === undefined) return;
    if (entry.ephemeral) {
      this.relayTyping(members, entry);
      return;
    }
    // Encoded and framed once; the same bytes are queued for every socket.
    const framed = this.sender.frameText(encodeMsg(entry));
    let delivered = 0;
    for (const client of members) {
      const membership = client.rooms.get(entry.room);
      if (membership?.pending) {
        this.holdPending(client, membership, entry);
        continue;
      }
      if (membership?.resumedUpTo) {
        const upTo = membership.resumedUpTo;
        if (entry.epoch === upTo.epoch && entry.offset <= upTo.offset) continue;
        membership.resumedUpTo = null;
      }
      if (this.sender.sendFramedUncounted(client, framed)) delivered += 1;
    }
    if (delivered > 0) {
      this.metrics.framesOut.inc(delivered);
      this.metrics.messagesDelivered.inc(delivered);
      this.metrics.deliverLatency.observe(Math.max(0, Date.now() - entry.ts) / 1000);
    }
  }

  private holdPending(client: Client, membership: Membership, entry: BusEntry): void {
    const pending = membership.pending!;
    if (pending.length >= PENDING_MAX_ENTRIES) {
      this.metrics.slowConsumersDropped.inc();
      this.sender.close(client, CLOSES.slowConsumer);
      return;
    }
    pending.push(entry);
  }

  private relayTyping(members: Set<Client>, entry: BusEntry): void {
    // A typing entry carries the sender's client id so the sender is skipped on its own replica.
    let senderId: unknown;
    try {
      senderId = entry.origin === this.instanceId ? JSON.parse(entry.dataJson) : undefined;
    } catch {
      senderId = undefined;
    }
    const framed = this.sender.frameText(encodeTyping(entry.room));
    let sent = 0;
    for (const client of members) {
      if (client.id === senderId || client.rooms.get(entry.room)?.pending) continue;
      if (this.sender.sendFramedUncounted(client, framed)) sent += 1;
    }
    this.metrics.framesOut.inc(sent);
  }
}
