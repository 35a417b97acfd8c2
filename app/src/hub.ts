import type { Bus, BusEntry } from './bus/bus.js';
import type { Client, Membership } from './client.js';
import type { JoinedFrame, StreamPosition } from './contracts/protocol.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { encodeFrame, encodeMsg, encodeTyping } from './protocol/encode.js';
import type { Sender } from './sender.js';

/** A joining socket that collects more live entries than this while its history is read is dropped (1013). */
export const PENDING_MAX_ENTRIES = 10_000;

/**
 * Local rooms and their members. Subscribes the bus to a room when its first
 * local member joins and unsubscribes when the last leaves; fans each bus
 * entry out to the room's members with one encoded buffer.
 */
export class Hub {
  readonly rooms = new Map<string, Set<Client>>();
  /** The last subscribe/unsubscribe per room: they run one after another, never interleaved. */
  private readonly roomOps = new Map<string, Promise<void>>();

  constructor(
    readonly bus: Bus,
    readonly sender: Sender,
    readonly metrics: Metrics,
    readonly logger: Logger,
    readonly instanceId: string,
  ) {
    bus.onMessage((entry) => busOnMessage(this, entry));
  }

  /** Adds a member; resolves once the room's subscription is in place (rejects if it failed). */
  addMember(room: string, client: Client): Promise<void> {
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

  removeMember(room: string, client: Client): void {
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
}

/** Fans one bus entry out to the room's local members. */
export function busOnMessage(hub: Hub, entry: BusEntry): void {
  const members = hub.rooms.get(entry.room);
  if (members === undefined) return;
  if (entry.ephemeral) {
    relayTyping(hub, members, entry);
    return;
  }
  // Encoded once; the same buffer is written to every socket.
  const data = Buffer.from(encodeMsg(entry));
  let delivered = 0;
  for (const client of members) {
    const membership = client.rooms.get(entry.room);
    if (membership?.pending) {
      holdPending(hub, client, membership, entry);
      continue;
    }
    if (membership?.resumedUpTo) {
      const upTo = membership.resumedUpTo;
      if (entry.epoch === upTo.epoch && entry.offset <= upTo.offset) continue;
      membership.resumedUpTo = null;
    }
    if (hub.sender.sendUncounted(client, data)) delivered += 1;
  }
  if (delivered > 0) {
    hub.metrics.framesOut.inc(delivered);
    hub.metrics.messagesDelivered.inc(delivered);
    hub.metrics.deliverLatency.observe(Math.max(0, Date.now() - entry.ts) / 1000);
  }
}

function holdPending(hub: Hub, client: Client, membership: Membership, entry: BusEntry): void {
  const pending = membership.pending!;
  if (pending.length >= PENDING_MAX_ENTRIES) {
    hub.metrics.slowConsumersDropped.inc();
    hub.sender.close(client, 1013, 'slow consumer');
    return;
  }
  pending.push(entry);
}

function relayTyping(hub: Hub, members: Set<Client>, entry: BusEntry): void {
  // A typing entry carries the sender's client id so the sender is skipped on its own replica.
  let senderId: unknown;
  try {
    senderId = entry.origin === hub.instanceId ? JSON.parse(entry.dataJson) : undefined;
  } catch {
    senderId = undefined;
  }
  const data = Buffer.from(encodeTyping(entry.room));
  let sent = 0;
  for (const client of members) {
    if (client.id === senderId || client.rooms.get(entry.room)?.pending) continue;
    if (hub.sender.sendUncounted(client, data)) sent += 1;
  }
  hub.metrics.framesOut.inc(sent);
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
export async function joinRoom(
  hub: Hub,
  client: Client,
  room: string,
  since: StreamPosition | undefined,
): Promise<boolean> {
  const membership: Membership = { pending: [] };
  client.rooms.set(room, membership);
  const stillJoining = () => client.rooms.get(room) === membership && !client.closing;
  try {
    await hub.addMember(room, client);
    if (!stillJoining()) return false;
    let joined: JoinedFrame;
    let history: BusEntry[] = [];
    let lastSent: StreamPosition | null = null;
    if (!hub.bus.historyEnabled) {
      // Plain pub/sub: nothing to resume from; a client that asked is told it may have missed messages.
      joined = { op: 'joined', room, position: null, recovered: false, missed: since !== undefined };
    } else if (since === undefined) {
      const position = await hub.bus.position(room);
      if (!stillJoining()) return false;
      joined = { op: 'joined', room, position, recovered: false, missed: false };
    } else {
      const range = await hub.bus.readSince(room, since);
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
    hub.sender.send(client, encodeFrame(joined));
    let delivered = 0;
    for (const entry of history) if (hub.sender.send(client, encodeMsg(entry))) delivered += 1;
    const held = membership.pending ?? [];
    membership.pending = null;
    for (const entry of held) {
      if (entry.ephemeral) continue;
      if (lastSent !== null && entry.epoch === lastSent.epoch && entry.offset <= lastSent.offset) continue;
      if (hub.sender.send(client, encodeMsg(entry))) delivered += 1;
      if (lastSent !== null && entry.epoch === lastSent.epoch)
        lastSent = { offset: entry.offset, epoch: entry.epoch };
    }
    // The bus can still deliver entries the history read returned: skip those (see busOnMessage).
    membership.resumedUpTo = lastSent;
    if (delivered > 0) hub.metrics.messagesDelivered.inc(delivered);
    return true;
  } catch (error) {
    if (client.rooms.get(room) === membership) {
      client.rooms.delete(room);
      hub.removeMember(room, client);
      hub.logger.warn({ err: error, room }, 'join failed');
      hub.sender.sendError(client, 'unavailable', 'history or subscription unavailable, retry later');
    }
    return false;
  }
}

/** Removes `client` from `room`. False when it was not a member. */
export function leaveRoom(hub: Hub, client: Client, room: string): boolean {
  if (!client.rooms.delete(room)) return false;
  hub.removeMember(room, client);
  return true;
}

/** Removes a closed client from every room. */
export function leaveAllRooms(hub: Hub, client: Client): void {
  for (const room of client.rooms.keys()) hub.removeMember(room, client);
  client.rooms.clear();
}
