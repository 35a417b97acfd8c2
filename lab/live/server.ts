import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { LiveCollector, LiveMessage } from './collector.js';
import { livePage } from './page.js';

const HOST = '127.0.0.1';

/**
 * Serves the live view on loopback: `/` the page (self-contained, no external script), `/events`
 * a server-sent event stream (the backlog, then every snapshot, event and phase change),
 * `/snapshot.json` the latest reading. Fed only by the lab's own collector.
 */
export class LiveServer {
  private readonly streams = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly unsubscribe: () => void,
  ) {}

  get url(): string {
    return `http://${HOST}:${this.port}/`;
  }

  /** Starts on `port` (0: a free one). */
  static async start(collector: LiveCollector, port = 0): Promise<LiveServer> {
    let live: LiveServer | undefined;
    const server = createServer((request, response) => live?.handle(collector, request, response));
    const boundPort = await listen(server, port);
    const unsubscribe = collector.subscribe((message) => live?.broadcast(message));
    live = new LiveServer(server, boundPort, unsubscribe);
    return live;
  }

  /**
   * Starts on the port the lab in `labDir` used last when it is free, so a page left open
   * reconnects after the lab restarts; else on a free port (and remembers it).
   */
  static async startRemembered(collector: LiveCollector, labDir: string): Promise<LiveServer> {
    const file = join(labDir, 'live-port');
    const remembered = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
    let live: LiveServer;
    try {
      live = await LiveServer.start(collector, Number.isInteger(remembered) ? remembered : 0);
    } catch {
      live = await LiveServer.start(collector, 0);
    }
    mkdirSync(labDir, { recursive: true });
    writeFileSync(file, `${live.port}\n`);
    return live;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(collector: LiveCollector, request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', this.url).pathname;
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(livePage());
      return;
    }
    if (path === '/snapshot.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(collector.backlog().history.at(-1) ?? null));
      return;
    }
    if (path === '/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      // reconnect quickly when the lab restarts
      response.write('retry: 500\n\n');
      response.write(`event: backlog\ndata: ${JSON.stringify(collector.backlog())}\n\n`);
      this.streams.add(response);
      request.on('close', () => this.streams.delete(response));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  private broadcast(message: LiveMessage): void {
    const frame = `event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('live view: no TCP address'));
      else resolve(address.port);
    });
  });
}
