/**
 * A load client that behaves like a good production client: on an unexpected close it
 * reconnects with exponential backoff and full jitter (rotating through the target URLs),
 * re-joins its rooms with `since` = the last position it saw in each room (resume), and
 * records every outage (down → reopened → re-joined → first message). Like a browser it keeps a
 * cookie jar (Set-Cookie of the upgrade response, Cookie on every reconnect), so a proxy's cookie
 * stickiness pins it; it can bind a chosen loopback source address, so source hashing sees it.
 */
import WebSocket from 'ws';
import { bearerHeader } from '../../app/src/contracts/client-token.js';
import type { ClientFrame, JoinedFrame, MsgFrame, ServerFrame } from '../../app/src/contracts/protocol.js';
import { CLOSE_CODES, RECONNECTABLE_CLOSE_CODES } from '../../app/src/contracts/protocol.js';
import { withRoomParam } from '../scenarios/layout.js';
import { RoomResume } from '../scenarios/resume.js';
import { type BackoffOptions, backoffDelayMs } from './backoff.js';
import { nowMs } from './clock.js';
import { CookieJar } from './cookie-jar.js';
import { SilenceWatch } from './silence-watch.js';
import { SocketIoWire } from './socketio-wire.js';
import { type Wire, type WireProtocol, type WireSink, WslabWire } from './wire.js';

/** One outage of one client, from the unexpected close to the first message after re-joining. */
export interface Outage {
  downAtMs: number;
  closeCode: number;
  /** Connect attempts it took (1 = the first reconnect worked). */
  attempts: number;
  reopenedAtMs: number | null;
  /** Every room re-joined (joined frame received for each). */
  rejoinedAtMs: number | null;
  firstMessageAtMs: number | null;
  /** URL the client came back on. */
  url: string | null;
  /** Replica (`hello.instance`) the lost connection was on; null if no hello had arrived. */
  replicaBefore: string | null;
  /** Replica the client came back on (`hello.instance` of the new connection). */
  replica: string | null;
}

export interface ClientListener {
  /** A `msg` frame. `replayed` is true for messages the server replayed after a resume. */
  onMessage?(frame: MsgFrame, replayed: boolean, receivedAtMs: number): void;
  /** Every other server frame (ack, error, joined, hello…). */
  onFrame?(frame: ServerFrame, receivedAtMs: number): void;
  /** First handshake done. */
  onOpen?(handshakeMs: number): void;
  /** A handshake failed (first connect or a reconnect attempt). */
  onConnectFailure?(error: Error): void;
  onOutageStart?(outage: Outage): void;
  onOutageEnd?(outage: Outage): void;
  /** A terminal close (not reconnectable): the client gave up. */
  onTerminalClose?(code: number): void;
}

export interface ResilientClientOptions {
  urls: readonly string[];
  /** Which URL to use first; reconnects rotate from there. */
  urlIndex: number;
  backoff: BackoffOptions;
  handshakeTimeoutMs: number;
  /** When false, a lost connection stays lost (idle capacity tests). */
  reconnect: boolean;
  /**
   * The room this client's connections are keyed on for the proxies' room stickiness: added as
   * `room=<stickyRoom>` to every target URL (see `withRoomParam`), so a room's members share a
   * replica. The shards pass the subscriber's room, the publisher's target room, and the ramp
   * client's room (multi-room clients: `stickyRoomOf`, the first). Unset: URLs as given.
   */
  stickyRoom?: string;
  /**
   * Keep a cookie jar like a browser: store `Set-Cookie` of each upgrade response and send the
   * jar in a `Cookie` header on every later handshake of this client (never shared between
   * clients). Default true.
   */
  cookies?: boolean;
  /** Local (source) address to bind, a 127.x.y.z (see source-addresses.ts). Unset: the OS picks. */
  localAddress?: string;
  /** JWT offered on every handshake (`Authorization: Bearer`); unset: none (a deployment with `auth: none`). */
  token?: string;
  listener: ClientListener;
  /** The server's protocol (see wire.ts). Default `wslab`. */
  protocol?: WireProtocol;
  /**
   * The heartbeat rule (app/PROTOCOL.md, "Liveness"): no frame for the `heartbeatTimeoutMs` the
   * server's hello announced → drop the connection as dead (1006) and reconnect with `since`.
   * Default true; off, the client notices a frozen replica only when something closes the socket.
   */
  heartbeat?: boolean;
}

export function createWire(protocol: WireProtocol): Wire {
  return protocol === 'socketio' ? new SocketIoWire() : new WslabWire();
}

export class ResilientClient {
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly joinRetryTimers = new Set<NodeJS.Timeout>();
  private urlIndex: number;
  private readonly rooms = new RoomResume();
  private readonly joinWaiters = new Map<string, (frame: JoinedFrame) => void>();
  private outage: Outage | null = null;
  /** Every outage this client had, in order. */
  readonly outages: Outage[] = [];
  private firstOpen: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly jar: CookieJar | null;
  private instance: string | null = null;
  /** The outage whose new connection's hello (the replica it landed on) has not arrived yet. */
  private placementPending: Outage | null = null;
  private readonly wire: Wire;
  /** The protocol session of the current socket is up (at once for wslab, after CONNECT for Socket.IO). */
  private sessionUp = false;
  private readonly sink: WireSink;
  /** Gives the current socket up when the server falls silent (the heartbeat rule). */
  private readonly silence: SilenceWatch;
  /** Connections this client gave up because the server fell silent. */
  silentDrops = 0;

  constructor(private readonly options: ResilientClientOptions) {
    this.urlIndex = options.urlIndex % options.urls.length;
    this.jar = options.cookies === false ? null : new CookieJar();
    this.silence = new SilenceWatch(() => {
      this.silentDrops += 1;
      this.ws?.terminate();
    });
    this.wire = createWire(options.protocol ?? 'wslab');
    this.sink = {
      frame: (frame) => this.serverOnFrame(frame),
      reply: (text) => this.ws?.send(text),
      sessionOpen: () => this.sessionOnOpen(),
    };
  }

  /** The replica (`hello.instance`) of the current connection, null before its hello. */
  get replica(): string | null {
    return this.instance;
  }

  /** The `Cookie` header this client would send on its next handshake (undefined: none). */
  get cookieHeader(): string | undefined {
    return this.jar?.header();
  }

  get isOpen(): boolean {
    return this.ws !== null && this.sessionUp && this.ws.readyState === WebSocket.OPEN;
  }

  /** The current target, as given in `urls` (what outages record). */
  get currentUrl(): string {
    return this.options.urls[this.urlIndex]!;
  }

  /** The URL actually dialled: the current target plus the client's `room` key, if any. */
  get connectUrl(): string {
    return withRoomParam(this.currentUrl, this.options.stickyRoom);
  }

  /** Opens the first connection. Rejects on failure only when reconnect is off. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstOpen = { resolve, reject };
      this.open();
    });
  }

  /** Joins a room and resolves with the server's `joined` frame (re-joined after every reconnect). */
  join(room: string): Promise<JoinedFrame> {
    this.rooms.add(room);
    return new Promise((resolve) => {
      this.joinWaiters.set(room, resolve);
      this.send({ op: 'join', room });
    });
  }

  /** Sends a frame; false when the connection is not open (nothing is queued). */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen) return false;
    const text = this.wire.encode(frame);
    if (text === null) return false;
    this.ws!.send(text);
    return true;
  }

  /**
   * Drops the current connection the way a network failure does (no close frame: 1006), so the
   * client runs its reconnect path. For tests and client-side fault injection. No-op while no
   * socket exists (between a loss and the next attempt).
   */
  interrupt(): void {
    this.ws?.terminate();
  }

  /** Closes for good (1000) and cancels any pending reconnect. */
  stop(): void {
    this.stopped = true;
    this.silence.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const timer of this.joinRetryTimers) clearTimeout(timer);
    this.joinRetryTimers.clear();
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(CLOSE_CODES.normal);
    else ws.terminate();
  }

  private open(): void {
    const url = this.connectUrl;
    const startedAt = nowMs();
    const cookie = this.jar?.header();
    const headers = {
      ...(cookie === undefined ? {} : { Cookie: cookie }),
      ...(this.options.token === undefined ? {} : bearerHeader(this.options.token)),
    };
    const ws = new WebSocket(this.wire.url(url), {
      perMessageDeflate: false,
      handshakeTimeout: this.options.handshakeTimeoutMs,
      headers,
      ...(this.options.localAddress === undefined ? {} : { localAddress: this.options.localAddress }),
    });
    this.ws = ws;
    this.sessionUp = false;
    let opened = false;
    // Browsers keep cookies set on the 101 too (HAProxy inserts its server cookie there).
    if (this.jar) ws.on('upgrade', (response) => this.jar?.store(response.headers['set-cookie']));
    ws.on('open', () => {
      opened = true;
      this.sessionStartedAt = startedAt;
      const first = this.wire.opened();
      if (first !== null) ws.send(first);
      if (!this.wire.handshake) this.sessionOnOpen();
    });
    ws.on('message', (data, isBinary) => {
      if (this.ws === ws) this.silence.heard();
      if (!isBinary) this.wire.decode(data.toString(), this.sink);
    });
    ws.on('error', (error) => {
      // 'close' follows; a failed handshake is reported here because 'close' has no cause.
      if (!opened) this.options.listener.onConnectFailure?.(error);
    });
    ws.on('close', (code) => {
      if (this.ws === ws) {
        this.ws = null;
        this.sessionUp = false;
        this.silence.stop();
      }
      this.socketOnClose(opened, code);
    });
  }

  /** When the current socket's handshake started (handshake time counts to the session being up). */
  private sessionStartedAt = 0;

  private sessionOnOpen(): void {
    if (this.sessionUp) return;
    this.sessionUp = true;
    const startedAt = this.sessionStartedAt;
    const openedAt = nowMs();
    this.attempt = 0;
    if (this.firstOpen) {
      this.options.listener.onOpen?.(openedAt - startedAt);
      this.firstOpen.resolve();
      this.firstOpen = null;
    }
    if (this.outage) {
      this.placementPending = this.outage;
      this.outage.reopenedAtMs = openedAt;
      this.outage.url = this.currentUrl;
      if (this.rooms.size === 0) this.finishOutage();
    }
    this.rooms.markAllUnjoined();
    for (const join of this.rooms.pendingJoins()) this.send(join);
  }

  private serverOnFrame(frame: ServerFrame): void {
    const receivedAt = nowMs();
    if (frame.op === 'msg') {
      const replayed = this.rooms.onMessage(frame);
      if (this.outage && this.outage.rejoinedAtMs !== null && this.outage.firstMessageAtMs === null) {
        this.outage.firstMessageAtMs = receivedAt;
        this.finishOutage();
      }
      this.options.listener.onMessage?.(frame, replayed, receivedAt);
      return;
    }
    if (frame.op === 'ping') return;
    if (frame.op === 'hello') {
      this.instance = frame.instance;
      if (this.options.heartbeat !== false) this.silence.start(frame.heartbeatTimeoutMs ?? 0);
      if (this.placementPending) this.placementPending.replica = frame.instance;
      this.placementPending = null;
    }
    if (frame.op === 'joined') this.roomJoined(frame, receivedAt);
    if (frame.op === 'error' && frame.code === 'unavailable' && frame.id === undefined) this.retryJoins();
    this.options.listener.onFrame?.(frame, receivedAt);
  }

  private roomJoined(frame: JoinedFrame, receivedAt: number): void {
    if (!this.rooms.onJoined(frame, this.outage !== null)) return;
    const waiter = this.joinWaiters.get(frame.room);
    if (waiter) {
      this.joinWaiters.delete(frame.room);
      waiter(frame);
    }
    if (this.outage && this.outage.rejoinedAtMs === null && this.rooms.allJoined) {
      this.outage.rejoinedAtMs = receivedAt;
    }
  }

  /** The server could not join us (its Redis was unreachable): ask again for rooms not yet joined. */
  private retryJoins(): void {
    const delayMs = backoffDelayMs(1, this.options.backoff);
    const timer = setTimeout(() => {
      this.joinRetryTimers.delete(timer);
      for (const join of this.rooms.pendingJoins()) this.send(join);
    }, delayMs);
    this.joinRetryTimers.add(timer);
  }

  private finishOutage(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = null;
    this.options.listener.onOutageEnd?.(outage);
  }

  private socketOnClose(opened: boolean, code: number): void {
    // The replica was the closed connection's: none until the next hello.
    const replicaBefore = this.instance;
    this.instance = null;
    if (this.stopped) return;
    if (!opened && this.firstOpen && !this.options.reconnect) {
      this.firstOpen.reject(new Error(`connect to ${this.currentUrl} failed (close ${code})`));
      this.firstOpen = null;
      return;
    }
    if (opened && this.firstOpen === null) {
      if (!this.options.reconnect) {
        this.options.listener.onTerminalClose?.(code);
        return;
      }
      if (code !== 1006 && !RECONNECTABLE_CLOSE_CODES.has(code)) {
        this.options.listener.onTerminalClose?.(code);
        return;
      }
      if (this.outage) {
        // Lost again before the first message: the outage continues.
        this.outage.reopenedAtMs = null;
        this.outage.rejoinedAtMs = null;
      } else {
        this.outage = {
          downAtMs: nowMs(),
          closeCode: code,
          attempts: 0,
          reopenedAtMs: null,
          rejoinedAtMs: null,
          firstMessageAtMs: null,
          url: null,
          replicaBefore,
          replica: null,
        };
        this.outages.push(this.outage);
        this.options.listener.onOutageStart?.(this.outage);
      }
    }
    this.scheduleReconnect(opened);
  }

  private scheduleReconnect(afterOpen: boolean): void {
    // After a failed attempt move to the next URL; right after a loss retry the same one first.
    if (!afterOpen) this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    const delayMs = backoffDelayMs(this.attempt, this.options.backoff);
    this.attempt += 1;
    if (this.outage) this.outage.attempts += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delayMs);
  }
}
