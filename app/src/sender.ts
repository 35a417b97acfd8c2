import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import type { Client } from './client.js';
import { CLOSE_CODES, CLOSES, type CloseValue, type ErrorValue } from './contracts/protocol.js';
import type { Metrics } from './metrics.js';

/** After a close frame is queued, a peer that does not finish the close handshake within this is cut off. */
export const CLOSE_GRACE_MS = 5_000;

const OPEN = 1; // WebSocket.OPEN
/** How often a paced replay re-checks a socket that has not drained (progress, stall bound). */
const REPLAY_RECHECK_MS = 50;
const ABNORMAL_CLOSURE_LABEL = String(CLOSE_CODES.abnormalClosure);

/** ws's frame builder (exported by ws, not declared by @types/ws): header + payload, unmasked. */
interface WsFrameBuilder {
  frame(
    data: Buffer,
    options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
  ): Buffer[];
}
const { Sender: wsFrames } = wsModule as unknown as { Sender: WsFrameBuilder };
// A server's text frame: final, opcode 1, unmasked, uncompressed (perMessageDeflate is off).
const TEXT_FRAME = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false } as const;

/** The TCP socket under a ws WebSocket (ws writes its own frames to it the same way). */
function rawSocket(client: Client): Socket {
  return (client.socket as unknown as { _socket: Socket })._socket;
}

/**
 * Every write to a client goes through here, so the slow-consumer cap is
 * checked before each send: once a socket holds more than `sendBufferMaxBytes`
 * unsent (its socket buffer plus this turn's outbox), it is closed with CLOSES.slowConsumer (1013)
 * and nothing more is queued for it — memory per socket stays bounded by the cap plus one frame.
 *
 * Frames are built here, once per message: a broadcast is framed once and the same bytes are
 * queued for every member. What one socket is sent within one event-loop turn is written when the
 * turn ends, in one write (several frames, one system call) — instead of ws's cork/write/uncork
 * per frame. Order per socket is kept: everything but ws's control frames goes through the outbox,
 * and a close flushes the outbox before its close frame.
 */
export class Sender {
  /** Clients with a non-empty outbox; reused array (no allocation per turn). */
  private readonly dirty: Client[] = [];
  private flushScheduled = false;
  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const { dirty } = this;
    for (let index = 0; index < dirty.length; index += 1) this.flush(dirty[index]!);
    dirty.length = 0;
  };

  constructor(
    private readonly metrics: Metrics,
    private readonly sendBufferMaxBytes: number,
  ) {}

  /** One text frame's bytes (header + payload), to queue for any number of sockets. */
  frameText(data: Buffer | string): Buffer {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const [header, body] = wsFrames.frame(payload, TEXT_FRAME);
    return body === undefined ? header! : Buffer.concat([header!, body], header!.length + body.length);
  }

  /** Queues a frame built by `frameText` without counting frames out (fan-out counts once per entry). False when dropped. */
  sendFramedUncounted(client: Client, framed: Buffer): boolean {
    // A socket the peer is closing (CLOSING) would only count the bytes, never send them.
    if (client.closing || client.socket.readyState !== OPEN) return false;
    if (client.socket.bufferedAmount + client.outboxBytes > this.sendBufferMaxBytes) {
      this.metrics.slowConsumersDropped.inc();
      this.close(client, CLOSES.slowConsumer);
      return false;
    }
    if (client.outbox.length === 0) this.dirty.push(client);
    client.outbox.push(framed);
    client.outboxBytes += framed.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
    return true;
  }

  /**
   * For a resume's replay, which may hold far more than the cap: true at once when `client` holds
   * less than half the cap unsent; otherwise what is queued is written now and this resolves once
   * the peer has read enough, or false when it closed or read nothing for `stallMs` (then it is a
   * slow consumer: closed with 1013 and counted). A replay paced by this never trips the cap by itself.
   */
  whenRoom(client: Client, stallMs: number): true | Promise<boolean> {
    const lowWaterBytes = this.sendBufferMaxBytes / 2;
    const hasRoom = () => client.socket.bufferedAmount + client.outboxBytes < lowWaterBytes;
    if (hasRoom()) return true;
    this.flush(client);
    return this.waitForRoom(client, hasRoom, stallMs);
  }

  private async waitForRoom(client: Client, hasRoom: () => boolean, stallMs: number): Promise<boolean> {
    const raw = rawSocket(client);
    let lastUnsent = client.socket.bufferedAmount;
    let lastProgressAt = Date.now();
    while (!hasRoom()) {
      if (client.closing || client.socket.readyState !== OPEN) return false;
      const unsent = client.socket.bufferedAmount;
      if (unsent < lastUnsent) lastProgressAt = Date.now();
      lastUnsent = unsent;
      if (Date.now() - lastProgressAt >= stallMs) {
        this.metrics.slowConsumersDropped.inc();
        this.close(client, CLOSES.slowConsumer);
        return false;
      }
      // 'drain' when the kernel took the buffer; the timer re-checks progress and the stall bound.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, REPLAY_RECHECK_MS);
        raw.once('drain', done);
        raw.once('close', done);
      });
    }
    return !client.closing && client.socket.readyState === OPEN;
  }

  /** Sends without counting frames out. False when dropped. */
  sendUncounted(client: Client, data: Buffer | string): boolean {
    if (client.closing || client.socket.readyState !== OPEN) return false;
    return this.sendFramedUncounted(client, this.frameText(data));
  }

  /** Sends one frame and counts it. */
  send(client: Client, data: Buffer | string): boolean {
    const sent = this.sendUncounted(client, data);
    if (sent) this.metrics.framesOut.inc();
    return sent;
  }

  /** Sends an `error` frame from the ERRORS table (and counts the protocol error), echoing `id`. */
  sendError(client: Client, error: ErrorValue, id?: string): void {
    const { code, reason } = error;
    this.metrics.protocolErrors.inc({ code });
    const frame = id === undefined ? { op: 'error', code, reason } : { op: 'error', code, reason, id };
    this.send(client, JSON.stringify(frame));
  }

  /**
   * The one way the server closes a socket: with an entry of the CLOSES table
   * (counted), terminating the TCP connection if the peer has not completed the
   * close handshake after `graceMs`. What was queued before goes out first.
   */
  close(client: Client, close: CloseValue, graceMs = CLOSE_GRACE_MS): void {
    if (client.closing) return;
    this.flush(client);
    client.closing = true;
    this.metrics.closeCodesSent.inc({ code: String(close.code) });
    const { socket } = client;
    socket.close(close.code, close.reason);
    const timer = setTimeout(() => socket.terminate(), graceMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Ends the connection without a close frame (dead peer). Counted as 1006 (abnormal closure). */
  terminate(client: Client): void {
    if (!client.closing) this.metrics.closeCodesSent.inc({ code: ABNORMAL_CLOSURE_LABEL });
    client.closing = true;
    client.outbox.length = 0;
    client.outboxBytes = 0;
    client.socket.terminate();
  }

  /** Writes a client's outbox: one write, or several frames corked into one writev. */
  private flush(client: Client): void {
    const { outbox } = client;
    if (outbox.length === 0) return;
    const raw = rawSocket(client);
    if (client.socket.readyState === OPEN && raw.writable) {
      if (outbox.length === 1) {
        raw.write(outbox[0]!);
      } else {
        raw.cork();
        for (let index = 0; index < outbox.length; index += 1) raw.write(outbox[index]!);
        raw.uncork();
      }
    }
    outbox.length = 0;
    client.outboxBytes = 0;
  }
}
