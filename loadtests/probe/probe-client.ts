import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { bearerHeader } from '../../app/src/contracts/client-token.js';
import type { HelloFrame, ServerFrame } from '../../app/src/contracts/protocol.js';
import type { CookieJar } from '../runner/cookie-jar.js';
import { SilenceWatch } from '../runner/silence-watch.js';

// One cookie jar for the proxy tests and the load clients (Max-Age/Expires honoured there).
export { CookieJar } from '../runner/cookie-jar.js';

export interface ConnectOptions {
  jar?: CookieJar;
  /** CA (the self-signed cert) for wss://. */
  ca?: Buffer | string;
  timeoutMs?: number;
  /** JWT for a deployment with `auth: jwt`, sent as `Authorization: Bearer`. */
  token?: string;
  /** The source address to connect from (a lab client address, runtime/hosts/); unset: the OS picks. */
  localAddress?: string;
  /**
   * The heartbeat rule, as a browser client runs it (app/PROTOCOL.md, "Liveness"): no frame for
   * the hello's `heartbeatTimeoutMs` → the socket is terminated (closed resolves 1006). Default true.
   */
  heartbeat?: boolean;
}

/**
 * A browser-like test client for the proxy tests and benchmarks: it keeps a
 * cookie jar (stores Set-Cookie from the upgrade response, sends Cookie on
 * reconnect), reads the replica from `hello.instance` and X-Instance, and
 * queues frames so a test can await the next one of a kind.
 */
export class ProbeClient {
  readonly ws: WebSocket;
  readonly hello: HelloFrame;
  /** X-Instance header of the 101 response (set by the replica, passed through by the proxy). */
  readonly instanceHeader: string | undefined;
  readonly setCookie: string[];
  /** Resolves with the close code when the socket closes. */
  readonly closed: Promise<number>;
  /** When the server last sent anything (frame or ping), ms since the epoch. */
  lastHeardAt = Date.now();
  private readonly frames: ServerFrame[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly frameListeners: ((frame: ServerFrame) => void)[] = [];

  /** True once the heartbeat rule gave this connection up (the server fell silent). */
  silentDrop = false;

  private constructor(
    ws: WebSocket,
    hello: HelloFrame,
    response: IncomingMessage,
    frames: ServerFrame[],
    heartbeat: boolean,
  ) {
    this.ws = ws;
    this.hello = hello;
    this.instanceHeader = response.headers['x-instance'] as string | undefined;
    this.setCookie = response.headers['set-cookie'] ?? [];
    this.frames = frames;
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    // Server pings count as life: a client uses them to detect a dead link (hello.pingIntervalMs).
    ws.on('ping', () => {
      this.lastHeardAt = Date.now();
    });
    const silence = new SilenceWatch(() => {
      this.silentDrop = true;
      ws.terminate();
    });
    if (heartbeat) silence.start(hello.heartbeatTimeoutMs ?? 0);
    ws.on('message', (data) => {
      this.lastHeardAt = Date.now();
      silence.heard();
      const frame = appFrameOf(data);
      if (frame === undefined) return;
      this.frames.push(frame);
      for (const listener of this.frameListeners) listener(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.once('close', () => {
      silence.stop();
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /**
   * Like a careful browser client: terminates the socket when the server has
   * been silent for `silentMs` (pings stopped: the link or the replica is dead),
   * so the reconnect logic runs. Stops watching once closed.
   */
  watchLiveness(silentMs: number): void {
    const timer = setInterval(
      () => {
        if (Date.now() - this.lastHeardAt > silentMs) this.ws.terminate();
      },
      Math.max(50, Math.floor(silentMs / 10)),
    );
    void this.closed.then(() => clearInterval(timer));
  }

  /** Calls `listener` with every frame that arrives from now on (beside the queue `next` reads). */
  onFrame(listener: (frame: ServerFrame) => void): void {
    this.frameListeners.push(listener);
  }

  get instance(): string {
    return this.hello.instance;
  }

  /** Opens `url`, waits for `hello`, stores Set-Cookie in the jar. */
  static connect(url: string, options: ConnectOptions = {}): Promise<ProbeClient> {
    const cookie = options.jar?.header();
    const ws = new WebSocket(url, {
      headers: {
        ...(cookie === undefined ? {} : { Cookie: cookie }),
        ...(options.token === undefined ? {} : bearerHeader(options.token)),
      },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      handshakeTimeout: options.timeoutMs ?? 5_000,
    });
    return new Promise((resolve, reject) => {
      let response: IncomingMessage | undefined;
      const early: ServerFrame[] = [];
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`connect ${url}: no hello within ${options.timeoutMs ?? 5_000} ms`));
      }, options.timeoutMs ?? 5_000);
      ws.once('upgrade', (res) => {
        response = res;
        options.jar?.store(res.headers['set-cookie']);
      });
      const onMessage = (data: WebSocket.RawData) => {
        const frame = appFrameOf(data);
        if (frame === undefined) return;
        if (frame.op !== 'hello') {
          early.push(frame);
          return;
        }
        clearTimeout(timer);
        ws.off('message', onMessage);
        ws.off('error', onError);
        resolve(new ProbeClient(ws, frame, response!, early, options.heartbeat !== false));
      };
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      ws.on('message', onMessage);
      ws.once('error', onError);
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The next queued frame matching `match` (removed from the queue). */
  async next<T extends ServerFrame>(
    match: (frame: ServerFrame) => frame is T,
    timeoutMs?: number,
  ): Promise<T>;
  async next(match: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  async next(match: (frame: ServerFrame) => boolean, timeoutMs = 5_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Joins `room` and waits for `joined`. */
  async join(room: string): Promise<void> {
    this.send({ op: 'join', room });
    await this.next((frame) => frame.op === 'joined' && frame.room === room);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/**
 * A server frame a caller may wait for, or undefined: unparseable data is dropped, and the
 * heartbeat (`op: ping`) only proves life — it is never a frame a test waits for.
 */
function appFrameOf(data: WebSocket.RawData): ServerFrame | undefined {
  let frame: ServerFrame;
  try {
    frame = JSON.parse(String(data)) as ServerFrame;
  } catch {
    return undefined;
  }
  return frame.op === 'ping' ? undefined : frame;
}
