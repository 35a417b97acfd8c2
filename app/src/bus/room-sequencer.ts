import type { StreamPosition } from '../contracts/protocol.js';
import type { BusEntry, HistoryRange } from './bus.js';

/** Reads a room's stored entries after `since` (the bus's own readSince); rejects when the store is unreachable. */
export type ReadSince = (
  room: string,
  since: StreamPosition,
) => Promise<Pick<HistoryRange, 'entries' | 'missed'>>;

/** Where one tracked room is in its stream. */
interface RoomOrder {
  /** Epoch and offset of the last stored entry delivered ('' before the first): detects gaps. */
  epoch: string;
  lastOffset: number;
  /** True while missing entries are read; live ones wait in `pending`. */
  repairing: boolean;
  pending: BusEntry[];
}

/**
 * Per-room ordering and gap repair, without Redis: stored entries of each
 * tracked room go out in offset order, without gaps or duplicates. A live
 * entry that skips offsets (published while a subscription was being
 * restored after a reconnect or failover) makes it read the missing ones
 * through `read` first; entries arriving meanwhile wait and are sorted in.
 * A new epoch (lost stream) restarts the count: there is nothing to fill.
 *
 * Entries of untracked rooms are dropped (late messages after the last
 * local member left, or the broadcast channel's other rooms).
 */
export class RoomSequencer {
  private readonly rooms = new Map<string, RoomOrder>();

  constructor(
    private readonly read: ReadSince,
    private readonly deliver: (entry: BusEntry) => void,
  ) {}

  /** Starts ordering `room` afresh (on subscribe). */
  track(room: string): void {
    this.rooms.set(room, { epoch: '', lastOffset: 0, repairing: false, pending: [] });
  }

  /** Stops ordering `room`; a repair still in flight for it delivers nothing. */
  untrack(room: string): void {
    this.rooms.delete(room);
  }

  untrackAll(): void {
    this.rooms.clear();
  }

  /** Hands on one live entry: unordered ones (offset 0) at once, stored ones in offset order. */
  accept(entry: BusEntry): void {
    const order = this.rooms.get(entry.room);
    if (order === undefined) return;
    if (entry.offset === 0) {
      this.deliver(entry);
    } else if (order.repairing) {
      order.pending.push(entry);
    } else if (entry.epoch !== order.epoch) {
      // First entry since tracking, or a new epoch (lost stream): nothing to fill.
      order.epoch = entry.epoch;
      order.lastOffset = entry.offset;
      this.deliver(entry);
    } else if (entry.offset === order.lastOffset + 1) {
      order.lastOffset = entry.offset;
      this.deliver(entry);
    } else if (entry.offset > order.lastOffset) {
      order.pending.push(entry);
      this.repair(entry.room);
    }
    // else: already delivered (a replayed entry met its live copy).
  }

  /** Reads what every tracked room missed since its last delivered entry (after a resubscribe). */
  repairAll(): void {
    for (const room of this.rooms.keys()) this.repair(room);
  }

  /** Reads what `room` missed after its last offset, delivers it, then what waited. */
  repair(room: string): void {
    const order = this.rooms.get(room);
    if (order === undefined || order.repairing || order.epoch === '') return;
    order.repairing = true;
    const current = (): boolean => this.rooms.get(room) === order;
    this.read(room, { offset: order.lastOffset, epoch: order.epoch })
      .then(
        (range) => {
          if (range.missed || !current()) return;
          for (const entry of range.entries) this.deliverNext(order, entry);
        },
        // Store unreachable again: deliver what we have; the gap stays (the hub's resume covers clients).
        () => undefined,
      )
      .finally(() => {
        order.repairing = false;
        if (!current()) return;
        const pending = order.pending.splice(0);
        // Offset order within each epoch, epochs in the order they arrived: a recreated stream's
        // entries come after the lost one's, never interleaved by their (restarted) offsets.
        const epochRank = new Map<string, number>();
        for (const waiting of pending)
          if (!epochRank.has(waiting.epoch)) epochRank.set(waiting.epoch, epochRank.size);
        pending.sort((a, b) => epochRank.get(a.epoch)! - epochRank.get(b.epoch)! || a.offset - b.offset);
        for (const entry of pending) {
          if (entry.epoch !== order.epoch) order.lastOffset = 0;
          order.epoch = entry.epoch;
          this.deliverNext(order, entry);
        }
      });
  }

  private deliverNext(order: RoomOrder, entry: BusEntry): void {
    if (entry.offset <= order.lastOffset) return;
    order.lastOffset = entry.offset;
    this.deliver(entry);
  }
}
