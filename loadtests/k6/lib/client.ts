/**
 * The k6 counterpart of loadtests/runner/client.ts: one WebSocket per VU that reconnects with
 * exponential backoff and full jitter (rotating through the URLs), re-joins its rooms with
 * `since` = the last position seen (resume), and times every outage.
 * Every timer is cleared and the socket closed by `stop()`.
 */
import { clearTimeout, setTimeout } from 'k6/timers';
import { type MessageEvent, WebSocket } from 'k6/websockets';
import type { ClientFrame, MsgFrame, ServerFrame } from '../../../app/src/contracts/protocol.js';
import { CLOSE_CODES } from '../../../app/src/contracts/protocol.js';
import { stickyRoomOf, withRoomParam } from '../../scenarios/layout.js';
import { RoomResume } from '../../scenarios/resume.js';
import * as m from './metrics.js';

export interface K6ClientOptions {
  urls: string[];
  urlIndex: number;
  rooms: string[];
  /**
   * Room the connection is keyed on for the proxies' room stickiness (`room=` added to the URL);
   * default the first of `rooms`. A publisher that joins nothing passes the room it publishes to.
   */
  stickyRoom?: string;
  reconnect: boolean;
  backoffInitialMs: number;
  backoffMaxMs: number;
  onMessage?(frame: MsgFrame, replayed: boolean, atMs: number): void;
  onFrame?(frame: ServerFrame, atMs: number): void;
  /** Every open, first or not. */
  onOpen?(): void;
}

export class K6Client {
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private urlIndex: number;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private readonly rooms: RoomResume;
  private downAtMs: number | null = null;
  private rejoinedAtMs: number | null = null;
  private everOpened = false;

  constructor(private readonly options: K6ClientOptions) {
    this.urlIndex = options.urlIndex % options.urls.length;
    this.rooms = new RoomResume(options.rooms);
  }

  get isOpen(): boolean {
    return this.ws !== null && this.ws.readyState === 1;
  }

  /** True when the client lost its connection and is not back in its rooms. */
  get isDown(): boolean {
    return this.downAtMs !== null && this.rejoinedAtMs === null;
  }

  start(): void {
    // A sample (0) for the threshold on connect_failures even when every connect works.
    m.connectFailures.add(0);
    this.open();
  }

  send(frame: ClientFrame): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    if (this.ws) this.ws.close(CLOSE_CODES.normal);
    this.ws = null;
  }

  private open(): void {
    const startedAt = Date.now();
    const stickyRoom = this.options.stickyRoom ?? stickyRoomOf(this.options.rooms);
    const ws = new WebSocket(withRoomParam(this.options.urls[this.urlIndex]!, stickyRoom));
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      m.opened.add(1);
      if (!this.everOpened) m.handshake.add(Date.now() - startedAt);
      this.everOpened = true;
      this.attempt = 0;
      this.options.onOpen?.();
      this.rooms.markAllUnjoined();
      for (const join of this.rooms.pendingJoins()) this.send(join);
      if (this.rooms.size === 0 && this.downAtMs !== null) this.back(Date.now());
    };
    ws.onmessage = (event?: MessageEvent) => {
      if (event && typeof event.data === 'string') this.onText(event.data);
    };
    ws.onerror = () => {
      if (!opened) m.connectFailures.add(1);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped || !this.options.reconnect) return;
      if (opened && this.downAtMs === null) {
        this.downAtMs = Date.now();
        this.rejoinedAtMs = null;
        m.disconnects.add(1);
      }
      // After a failed attempt try the next URL; right after a loss retry the same one first.
      if (!opened) this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
      const capMs = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** this.attempt);
      this.attempt += 1;
      this.retry = setTimeout(
        () => {
          this.retry = null;
          if (!this.stopped) this.open();
        },
        Math.floor(Math.random() * capMs),
      );
    };
  }

  private onText(text: string): void {
    const atMs = Date.now();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if (frame.op === 'msg') {
      const replayed = this.rooms.onMessage(frame);
      if (this.downAtMs !== null && this.rejoinedAtMs !== null) {
        m.resumeDelivery.add(atMs - this.downAtMs);
        this.downAtMs = null;
      }
      this.options.onMessage?.(frame, replayed, atMs);
      return;
    }
    if (frame.op === 'joined') {
      if (this.rooms.onJoined(frame, this.downAtMs !== null)) {
        if (frame.missed) m.resumeMissed.add(1);
        if (this.downAtMs !== null && this.rooms.allJoined) this.back(atMs);
      }
    }
    this.options.onFrame?.(frame, atMs);
  }

  private back(atMs: number): void {
    if (this.downAtMs === null || this.rejoinedAtMs !== null) return;
    this.rejoinedAtMs = atMs;
    m.reconnects.add(1);
    m.reconnectTime.add(atMs - this.downAtMs);
    if (this.rooms.size === 0) this.downAtMs = null;
  }
}
