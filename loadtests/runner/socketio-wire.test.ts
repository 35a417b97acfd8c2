import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../app/src/contracts/protocol.js';
import { SocketIoWire } from './socketio-wire.js';

/** Decodes `texts` and returns what the client got: frames, replies, session-open count. */
function feed(wire: SocketIoWire, texts: string[]) {
  const frames: ServerFrame[] = [];
  const replies: string[] = [];
  let opened = 0;
  for (const text of texts) {
    wire.decode(text, {
      frame: (frame) => frames.push(frame),
      reply: (reply) => replies.push(reply),
      sessionOpen: () => {
        opened += 1;
      },
    });
  }
  return { frames, replies, opened };
}

describe('Socket.IO wire', () => {
  it('dials the Engine.IO WebSocket URL, keeping the room key', () => {
    const url = new SocketIoWire().url('ws://127.0.0.1:8080/ws?room=r1');
    expect(url).toBe('ws://127.0.0.1:8080/ws/?room=r1&EIO=4&transport=websocket');
  });

  it('connects, answers pings, maps acks of join and pub by id, and msg events', () => {
    const wire = new SocketIoWire();
    expect(wire.opened()).toBe('40');
    expect(wire.encode({ op: 'join', room: 'r1' })).toBe('420["join","r1"]');
    expect(wire.encode({ op: 'pub', room: 'r1', data: { a: 1 }, id: '7' })).toBe(
      '421["pub",{"room":"r1","data":{"a":1}}]',
    );
    const got = feed(wire, [
      '0{"sid":"e1","pingInterval":25000}',
      '40{"sid":"s1"}',
      '42["hello","sio-0"]',
      '2',
      '431[]',
      '430[]',
      '42["msg",{"room":"r1","ts":5,"data":{"a":1}}]',
      '431[]',
    ]);
    expect(got.opened).toBe(1);
    expect(got.replies).toEqual(['3']);
    expect(got.frames).toEqual([
      expect.objectContaining({ op: 'hello', instance: 'sio-0' }),
      { op: 'ack', id: '7' },
      { op: 'joined', room: 'r1', position: null, recovered: false, missed: false },
      { op: 'msg', room: 'r1', ts: 5, data: { a: 1 } },
    ]);
  });

  it('turns an ack carrying an error into an error frame with the pub id', () => {
    const wire = new SocketIoWire();
    wire.opened();
    wire.encode({ op: 'pub', room: 'r1', data: 1, id: '9' });
    const got = feed(wire, ['40{"sid":"s1"}', '430[{"error":"bad pub"}]']);
    expect(got.frames).toEqual([{ op: 'error', code: 'unavailable', reason: 'bad pub', id: '9' }]);
  });

  it('asks for recovery with the session id and last offset; joined says whether it was recovered', () => {
    const wire = new SocketIoWire();
    wire.opened();
    feed(wire, ['40{"sid":"s1","pid":"p1"}', '42["msg",{"room":"r1","ts":1,"data":1},"1-0"]']);
    // Lost and back: the server kept the session.
    expect(wire.opened()).toBe('40{"pid":"p1","offset":"1-0"}');
    wire.encode({ op: 'join', room: 'r1' });
    const kept = feed(wire, ['40{"sid":"s2","pid":"p1"}', '430[]']);
    expect(kept.frames).toEqual([
      { op: 'joined', room: 'r1', position: null, recovered: true, missed: false },
    ]);
    // Lost again, and the server had no session (a killed server saved none): missed.
    expect(wire.opened()).toBe('40{"pid":"p1","offset":"1-0"}');
    wire.encode({ op: 'join', room: 'r1' });
    const lost = feed(wire, ['40{"sid":"s3","pid":"p2"}', '430[]']);
    expect(lost.frames).toEqual([
      { op: 'joined', room: 'r1', position: null, recovered: false, missed: true },
    ]);
    // The new session starts without an offset until a packet carries one.
    expect(wire.opened()).toBe('40');
  });
});
