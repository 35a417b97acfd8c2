import type { Client } from './client.js';
import { CLOSE_CODES, CLOSES, type CloseValue, type ErrorValue } from './contracts/protocol.js';
import type { Metrics } from './metrics.js';

/** After a close frame is queued, a peer that does not finish the close handshake within this is cut off. */
export const CLOSE_GRACE_MS = 5_000;

const OPEN = 1; // WebSocket.OPEN
const ABNORMAL_CLOSURE_LABEL = String(CLOSE_CODES.abnormalClosure);

// One options object for every send: no allocation per socket on the fan-out path.
const TEXT_FRAME = { binary: false, compress: false, fin: true } as const;

/**
 * Every write to a client goes through here, so the slow-consumer cap is
 * checked before each send: once a socket holds more than `sendBufferMaxBytes`
 * unsent, it is closed with CLOSES.slowConsumer (1013) and nothing more is queued for it — memory
 * per socket stays bounded by the cap plus one frame.
 */
export class Sender {
  constructor(
    private readonly metrics: Metrics,
    private readonly sendBufferMaxBytes: number,
  ) {}

  /** Sends without counting frames out (fan-out counts once per entry). False when dropped. */
  sendUncounted(client: Client, data: Buffer | string): boolean {
    // A socket the peer is closing (CLOSING) would only count the bytes, never send them.
    if (client.closing || client.socket.readyState !== OPEN) return false;
    if (client.socket.bufferedAmount > this.sendBufferMaxBytes) {
      this.metrics.slowConsumersDropped.inc();
      this.close(client, CLOSES.slowConsumer);
      return false;
    }
    client.socket.send(data, TEXT_FRAME);
    return true;
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
   * close handshake after `graceMs`.
   */
  close(client: Client, close: CloseValue, graceMs = CLOSE_GRACE_MS): void {
    if (client.closing) return;
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
    client.socket.terminate();
  }
}
