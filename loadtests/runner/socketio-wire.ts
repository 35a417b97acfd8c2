/**
 * Socket.IO v5 over Engine.IO v4, WebSocket transport only, default namespace, no binary
 * attachments: the subset the peer benchmark's server (bench/peers/socketio-server.ts) speaks.
 * Framed here rather than with socket.io-client so a Socket.IO run costs the load client what a
 * wslab run does (one `ws` socket, one JSON parse per delivery).
 *
 * Mapping to the runner's frames:
 *   `40` CONNECT (with `{pid, offset}` after a loss: connection state recovery) → session open
 *   `42["hello",instance]`            → hello
 *   `42<id>["join",room]` / `43<id>[]` → join / joined (recovered when the CONNECT answer kept the pid)
 *   `42<id>["pub",{room,data}]` / `43<id>[]` → pub / ack (`43<id>[{"error":…}]` → error)
 *   `42["msg",{room,ts,data}(,offset)]` → msg (the offset is kept for the next CONNECT)
 *   Engine.IO `2` ping → `3` pong.
 */
import type { ClientFrame, ErrorCode, MsgFrame } from '../../app/src/contracts/protocol.js';
import { PROTOCOL_VERSION } from '../../app/src/contracts/protocol.js';
import type { Wire, WireSink } from './wire.js';

type PendingAck = { kind: 'join'; room: string } | { kind: 'pub'; id: string | undefined };

/** The path the Socket.IO servers of the benchmark listen on (`path: '/ws'`). */
export const SOCKETIO_PATH = '/ws';

export class SocketIoWire implements Wire {
  readonly handshake = true;
  private nextAckId = 0;
  private readonly acks = new Map<number, PendingAck>();
  /** The session id for connection state recovery and the last offset seen (null: none yet). */
  private pid: string | null = null;
  private offset: string | null = null;
  /** This connection's session is the previous one, restored (rooms kept, missed packets replayed). */
  private recovered = false;
  /** This connection follows a lost one that had a session. */
  private resuming = false;

  url(target: string): string {
    const url = new URL(target);
    if (url.pathname === SOCKETIO_PATH) url.pathname = `${SOCKETIO_PATH}/`;
    url.searchParams.set('EIO', '4');
    url.searchParams.set('transport', 'websocket');
    return url.toString();
  }

  opened(): string {
    this.acks.clear();
    this.nextAckId = 0;
    this.recovered = false;
    this.resuming = this.pid !== null;
    return this.pid !== null && this.offset !== null
      ? `40${JSON.stringify({ pid: this.pid, offset: this.offset })}`
      : '40';
  }

  encode(frame: ClientFrame): string | null {
    if (frame.op === 'join') return this.event({ kind: 'join', room: frame.room }, ['join', frame.room]);
    if (frame.op === 'pub') {
      return this.event({ kind: 'pub', id: frame.id }, ['pub', { room: frame.room, data: frame.data }]);
    }
    if (frame.op === 'leave') return `42${JSON.stringify(['leave', frame.room])}`;
    return null;
  }

  decode(text: string, sink: WireSink): void {
    const engineType = text.charCodeAt(0);
    if (engineType === 0x32 /* '2' ping */) {
      sink.reply('3');
      return;
    }
    if (engineType !== 0x34 /* '4' message */) return;
    const packetType = text.charCodeAt(1);
    if (packetType === 0x32 /* '2' EVENT */) this.onEvent(text, sink);
    else if (packetType === 0x33 /* '3' ACK */) this.onAck(text, sink);
    else if (packetType === 0x30 /* '0' CONNECT */) this.onConnect(text, sink);
  }

  private event(pending: PendingAck, args: unknown[]): string {
    const id = this.nextAckId++;
    this.acks.set(id, pending);
    return `42${id}${JSON.stringify(args)}`;
  }

  private onConnect(text: string, sink: WireSink): void {
    let answer: { sid?: string; pid?: string };
    try {
      answer = JSON.parse(text.slice(2)) as { sid?: string; pid?: string };
    } catch {
      return;
    }
    const pid = answer.pid ?? null;
    this.recovered = pid !== null && pid === this.pid;
    if (!this.recovered) this.offset = null;
    this.pid = pid;
    sink.sessionOpen();
  }

  private onEvent(text: string, sink: WireSink): void {
    // No ack id on server events here: the JSON array follows the type at once.
    let args: unknown[];
    try {
      args = JSON.parse(text.slice(2)) as unknown[];
    } catch {
      return;
    }
    const [name, body, offset] = args;
    if (name === 'msg') {
      const msg = body as { room: string; ts: number; data: unknown };
      // With connection state recovery the server appends each packet's offset.
      if (typeof offset === 'string') this.offset = offset;
      const frame: MsgFrame = { op: 'msg', room: msg.room, ts: msg.ts, data: msg.data };
      sink.frame(frame);
    } else if (name === 'hello') {
      sink.frame({
        op: 'hello',
        instance: String(body),
        version: PROTOCOL_VERSION,
        pingIntervalMs: 0,
        heartbeatIntervalMs: 0,
        heartbeatTimeoutMs: 0,
        history: false,
        limits: { maxFrameBytes: 0, maxRoomsPerConnection: 0, publishPerSecond: 0 },
      });
    }
  }

  private onAck(text: string, sink: WireSink): void {
    let end = 2;
    while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end += 1;
    const id = Number(text.slice(2, end));
    const pending = this.acks.get(id);
    if (pending === undefined) return;
    this.acks.delete(id);
    if (pending.kind === 'join') {
      sink.frame({
        op: 'joined',
        room: pending.room,
        position: null,
        recovered: this.recovered,
        missed: this.resuming && !this.recovered,
      });
      return;
    }
    let args: unknown[] = [];
    try {
      args = JSON.parse(text.slice(end)) as unknown[];
    } catch {
      args = [];
    }
    const error = (args[0] as { error?: string } | undefined)?.error;
    if (error === undefined) {
      sink.frame(pending.id === undefined ? { op: 'ack' } : { op: 'ack', id: pending.id });
    } else {
      const code: ErrorCode = 'unavailable';
      sink.frame(
        pending.id === undefined
          ? { op: 'error', code, reason: error }
          : { op: 'error', code, reason: error, id: pending.id },
      );
    }
  }
}
