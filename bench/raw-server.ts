/**
 * The raw ceiling: a plain `ws` server speaking the subset of the wire protocol the load
 * scenarios use (hello, join → joined, pub → ack + msg to the room, leave), with no Redis,
 * no history, no limits. Fan-out results are quoted as a fraction of what this does.
 *
 * Run alone: `npx tsx bench/raw-server.ts [port]` (prints `listening <port>`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ClientFrame, ServerFrame } from '../app/src/contracts/protocol.js';
import { PROTOCOL_VERSION } from '../app/src/contracts/protocol.js';

export interface RawServer {
  port: number;
  wsUrl: string;
  close(): Promise<void>;
}

function send(socket: WebSocket, frame: ServerFrame): void {
  socket.send(JSON.stringify(frame));
}

/** Starts the raw server on 127.0.0.1:`port` (0 = any free port). */
export async function startRawServer(port = 0): Promise<RawServer> {
  const rooms = new Map<string, Set<WebSocket>>();
  const http: Server = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
  wss.on('connection', (socket) => {
    const joined = new Set<string>();
    send(socket, {
      op: 'hello',
      instance: 'raw',
      version: PROTOCOL_VERSION,
      pingIntervalMs: 0,
      heartbeatIntervalMs: 0,
      heartbeatTimeoutMs: 0,
      history: false,
      limits: { maxFrameBytes: 1 << 20, maxRoomsPerConnection: 1_000, publishPerSecond: 1e9 },
    });
    socket.on('message', (raw) => {
      let frame: ClientFrame;
      try {
        frame = JSON.parse(raw.toString()) as ClientFrame;
      } catch {
        send(socket, { op: 'error', code: 'bad_json', reason: 'not JSON' });
        return;
      }
      if (frame.op === 'join') {
        let members = rooms.get(frame.room);
        if (!members) {
          members = new Set();
          rooms.set(frame.room, members);
        }
        members.add(socket);
        joined.add(frame.room);
        send(socket, { op: 'joined', room: frame.room, position: null, recovered: false, missed: false });
      } else if (frame.op === 'leave') {
        rooms.get(frame.room)?.delete(socket);
        joined.delete(frame.room);
        send(socket, { op: 'left', room: frame.room });
      } else if (frame.op === 'pub') {
        // Encode once, send the same string to every member: what any sane fan-out does.
        const text = JSON.stringify({ op: 'msg', room: frame.room, ts: Date.now(), data: frame.data });
        for (const member of rooms.get(frame.room) ?? []) member.send(text);
        send(socket, frame.id === undefined ? { op: 'ack' } : { op: 'ack', id: frame.id });
      }
    });
    socket.on('close', () => {
      for (const room of joined) rooms.get(room)?.delete(socket);
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const bound = (http.address() as AddressInfo).port;
  return {
    port: bound,
    wsUrl: `ws://127.0.0.1:${bound}/ws`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startRawServer(Number(process.argv[2] ?? 0));
  console.log(`listening ${server.port}`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
}
