import WebSocket from 'ws';
import { waitFor } from '../../../runtime/wait-for.js';

/** A frame as the server sent it (JSON-decoded). */
export type Frame = Record<string, unknown> & { op: string };

/**
 * A test WebSocket client that records every frame, so tests wait for
 * frames instead of sleeping.
 */
export class ProbeClient {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | undefined;
  /** `ping` frames (the application heartbeat) received. */
  heartbeats = 0;
  upgradeHeaders: Record<string, string | string[] | undefined> = {};

  constructor(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []) {
    this.socket = new WebSocket(url, protocols, options);
    this.socket.on('upgrade', (response) => {
      this.upgradeHeaders = response.headers;
    });
    this.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      // The heartbeat is counted, not recorded: tests wait for the frames they asked for.
      if (frame.op === 'ping') this.heartbeats += 1;
      else this.frames.push(frame);
    });
    this.socket.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`unexpected response ${response.statusCode}`)),
      );
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Opens and waits for `hello`. */
  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<ProbeClient> {
    const client = new ProbeClient(url, options);
    await client.opened;
    await client.next('hello');
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first recorded frame with `op` (and matching `where`), waiting for it; removed from `frames`. */
  async next(op: string, where: (frame: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    return waitFor(
      () => {
        const index = this.frames.findIndex((frame) => frame.op === op && where(frame));
        if (index < 0) return undefined;
        return this.frames.splice(index, 1)[0];
      },
      { timeoutMs, description: `frame ${op}`, intervalMs: 5 },
    );
  }

  /** Joins and waits for `joined`. */
  async join(room: string, since?: { offset: number; epoch: string }): Promise<Frame> {
    this.send(since === undefined ? { op: 'join', room } : { op: 'join', room, since });
    return this.next('joined', (frame) => frame.room === room);
  }

  /** `msg` frames of `room` received so far (not removed). */
  messages(room: string): Frame[] {
    return this.frames.filter((frame) => frame.op === 'msg' && frame.room === room);
  }

  async waitForMessages(room: string, count: number, timeoutMs = 10_000): Promise<Frame[]> {
    return waitFor(() => (this.messages(room).length >= count ? this.messages(room) : undefined), {
      timeoutMs,
      description: `${count} messages in ${room}`,
    });
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
    }
  }
}
