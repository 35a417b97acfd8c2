/**
 * Client-side resume bookkeeping shared by the Node runner's client and the k6 client: per room,
 * the last stream position seen (sent as `since` on re-join) and, after a resumed join, up to
 * which offset the incoming messages are replays. Pure: no Node or k6 imports (k6 bundles it).
 */
import type { JoinedFrame, JoinFrame, MsgFrame, StreamPosition } from '../../app/src/contracts/protocol.js';

interface RoomResumeState {
  position: StreamPosition | null;
  /** After a resumed join: messages at or below this offset are replays. */
  replayUpTo: number | null;
  joined: boolean;
}

/** The resume state of one client's rooms, in the order they were added. */
export class RoomResume {
  private readonly rooms = new Map<string, RoomResumeState>();

  constructor(rooms: Iterable<string> = []) {
    for (const room of rooms) this.add(room);
  }

  /** Starts tracking a room (not joined, no position yet); resets it when already tracked. */
  add(room: string): void {
    this.rooms.set(room, { position: null, replayUpTo: null, joined: false });
  }

  get size(): number {
    return this.rooms.size;
  }

  /** True when every tracked room has its `joined` frame since the last `markAllUnjoined`. */
  get allJoined(): boolean {
    return [...this.rooms.values()].every((state) => state.joined);
  }

  /** A new connection: every room has to be joined again. */
  markAllUnjoined(): void {
    for (const state of this.rooms.values()) state.joined = false;
  }

  /**
   * The `join` frames for the rooms not joined yet: with `since` = the last position seen
   * (resume), or a plain join when none was seen (history off).
   */
  pendingJoins(): JoinFrame[] {
    const frames: JoinFrame[] = [];
    for (const [room, state] of this.rooms) {
      if (state.joined) continue;
      frames.push(state.position ? { op: 'join', room, since: state.position } : { op: 'join', room });
    }
    return frames;
  }

  /**
   * Records a `msg` frame's position and tells whether it is a replay (at or below the position
   * of the resumed join). Messages of untracked rooms or without a position are never replays.
   */
  onMessage(frame: MsgFrame): boolean {
    const state = this.rooms.get(frame.room);
    if (!state || typeof frame.offset !== 'number' || frame.epoch === undefined) return false;
    const replayed = state.replayUpTo !== null && frame.offset <= state.replayUpTo;
    if (!state.position || frame.epoch !== state.position.epoch || frame.offset > state.position.offset) {
      state.position = { offset: frame.offset, epoch: frame.epoch };
    }
    return replayed;
  }

  /**
   * Records a `joined` frame. `resuming`: the client re-joined after losing its connection, so a
   * recovered join means the server replays everything up to `frame.position`. A position from a
   * new epoch replaces the old one (the old offsets mean nothing there).
   * @returns false when the room is not tracked (the frame was ignored)
   */
  onJoined(frame: JoinedFrame, resuming: boolean): boolean {
    const state = this.rooms.get(frame.room);
    if (!state) return false;
    state.joined = true;
    state.replayUpTo = resuming && frame.recovered && frame.position ? frame.position.offset : null;
    if (frame.position && (!state.position || frame.position.epoch !== state.position.epoch)) {
      state.position = frame.position;
    }
    return true;
  }
}
