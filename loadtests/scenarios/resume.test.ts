import { describe, expect, it } from 'vitest';
import type { JoinedFrame, MsgFrame } from '../../app/src/contracts/protocol.js';
import { RoomResume } from './resume.js';

const msg = (room: string, offset: number, epoch = 'e1'): MsgFrame =>
  ({ op: 'msg', room, data: null, offset, epoch }) as unknown as MsgFrame;
const joined = (room: string, offset: number | null, recovered: boolean, epoch = 'e1'): JoinedFrame =>
  ({
    op: 'joined',
    room,
    position: offset === null ? null : { offset, epoch },
    recovered,
    missed: false,
  }) as unknown as JoinedFrame;

describe('RoomResume', () => {
  it('joins plainly until a position is seen, then resumes from the highest offset', () => {
    const rooms = new RoomResume(['a', 'b']);
    expect(rooms.pendingJoins()).toEqual([
      { op: 'join', room: 'a' },
      { op: 'join', room: 'b' },
    ]);
    rooms.onJoined(joined('a', 3, false), false);
    rooms.onMessage(msg('a', 5));
    rooms.onMessage(msg('a', 4));
    expect(rooms.pendingJoins()).toEqual([{ op: 'join', room: 'b' }]);
    rooms.markAllUnjoined();
    expect(rooms.pendingJoins()[0]).toEqual({ op: 'join', room: 'a', since: { offset: 5, epoch: 'e1' } });
  });

  it('counts messages up to a recovered join position as replays only when resuming', () => {
    const rooms = new RoomResume(['a']);
    rooms.onJoined(joined('a', 10, true), false);
    expect(rooms.onMessage(msg('a', 9))).toBe(false);
    rooms.onJoined(joined('a', 10, true), true);
    expect(rooms.onMessage(msg('a', 10))).toBe(true);
    expect(rooms.onMessage(msg('a', 11))).toBe(false);
    expect(rooms.onMessage(msg('other', 1))).toBe(false);
  });

  it('takes a new epoch position from joined and msg frames, and tracks allJoined', () => {
    const rooms = new RoomResume(['a', 'b']);
    rooms.onMessage(msg('a', 50));
    expect(rooms.onJoined(joined('a', 2, false, 'e2'), true)).toBe(true);
    expect(rooms.allJoined).toBe(false);
    expect(rooms.onJoined(joined('c', 2, false), true)).toBe(false);
    rooms.onJoined(joined('b', null, false), true);
    expect(rooms.allJoined).toBe(true);
    rooms.markAllUnjoined();
    expect(rooms.pendingJoins()[0]).toEqual({ op: 'join', room: 'a', since: { offset: 2, epoch: 'e2' } });
    rooms.onMessage(msg('a', 1, 'e3'));
    expect(rooms.pendingJoins()[0]).toEqual({ op: 'join', room: 'a', since: { offset: 1, epoch: 'e3' } });
  });
});
