/**
 * The Socket.IO peer of a wslab replica for `npm run bench:peers`: Socket.IO 4.8 on the
 * WebSocket transport only (no polling, no compression), path `/ws`, `/healthz` and `/readyz`
 * for the proxy's health checks, and the events the runner's Socket.IO wire speaks
 * (loadtests/runner/socketio-wire.ts): `hello` on connect, `join` and `pub` with an ack, `msg`
 * to the room. Cross-replica fan-out through one adapter:
 *
 *   local     no Redis (one process)
 *   redis     @socket.io/redis-adapter, classic (PUBLISH on one Redis)
 *   sharded   @socket.io/redis-adapter sharded (SPUBLISH on a Redis Cluster)
 *   streams   @socket.io/redis-streams-adapter (XADD/XREAD) with connection state recovery
 *
 *   npx tsx bench/peers/socketio-server.ts --port 0 --adapter redis --redis-url redis://127.0.0.1:6379
 *     [--cluster-nodes 127.0.0.1:7000,…] [--instance sio-0] [--ping-interval-ms 25000]
 *   (prints `listening <port>`)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter as createClassicAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Command, Option } from 'commander';
import { Cluster, Redis } from 'ioredis';
import { type ServerOptions, Server as SocketIoServer } from 'socket.io';

export const SOCKETIO_ADAPTERS = ['local', 'redis', 'sharded', 'streams'] as const;
export type SocketIoAdapter = (typeof SOCKETIO_ADAPTERS)[number];

const program = new Command()
  .addOption(
    new Option('--adapter <kind>', 'cross-replica adapter').choices(SOCKETIO_ADAPTERS).default('redis'),
  )
  .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '0')
  .option('--redis-url <url>', 'single Redis (redis, streams)')
  .option('--cluster-nodes <list>', 'Redis Cluster seeds host:port,… (sharded)')
  .option('--instance <id>', 'told to clients in the hello event', 'sio')
  .option('--ping-interval-ms <ms>', 'Engine.IO ping interval (Socket.IO default)', '25000')
  .option('--ping-timeout-ms <ms>', 'Engine.IO ping timeout (Socket.IO default)', '20000')
  .parse();
const options = program.opts<{
  adapter: SocketIoAdapter;
  port: string;
  redisUrl?: string;
  clusterNodes?: string;
  instance: string;
  pingIntervalMs: string;
  pingTimeoutMs: string;
}>();

const redisClients: Array<Redis | Cluster> = [];
function single(): Redis {
  if (options.redisUrl === undefined) throw new Error(`--adapter ${options.adapter} needs --redis-url`);
  const client = new Redis(options.redisUrl);
  redisClients.push(client);
  return client;
}
function cluster(): Cluster {
  if (options.clusterNodes === undefined) throw new Error('--adapter sharded needs --cluster-nodes');
  const seeds = options.clusterNodes.split(',').map((seed) => {
    const [host, port] = seed.split(':');
    return { host: host ?? '127.0.0.1', port: Number(port) };
  });
  const client = new Cluster(seeds, { shardedSubscribers: true });
  redisClients.push(client);
  return client;
}

const serverOptions: Partial<ServerOptions> = {
  path: '/ws',
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  pingInterval: Number(options.pingIntervalMs),
  pingTimeout: Number(options.pingTimeoutMs),
};
if (options.adapter === 'redis') serverOptions.adapter = createClassicAdapter(single(), single());
if (options.adapter === 'sharded') {
  const client = cluster();
  serverOptions.adapter = createShardedAdapter(client, client.duplicate());
}
if (options.adapter === 'streams') {
  serverOptions.adapter = createStreamsAdapter(single());
  // Missed packets are replayed from the stream on reconnect, like wslab's `join` with `since`.
  serverOptions.connectionStateRecovery = { maxDisconnectionDuration: 120_000, skipMiddlewares: true };
}

const http = createServer((request, response) => {
  const ok = request.url === '/healthz' || request.url === '/readyz';
  response.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : '');
});
const io = new SocketIoServer(http, serverOptions);

io.on('connection', (socket) => {
  socket.emit('hello', options.instance);
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string' || typeof ack !== 'function') return;
    void socket.join(room);
    ack();
  });
  socket.on('leave', (room: unknown) => {
    if (typeof room === 'string') void socket.leave(room);
  });
  socket.on('pub', (body: { room?: unknown; data?: unknown } | null, ack: unknown) => {
    if (typeof ack !== 'function') return;
    if (typeof body?.room !== 'string' || body.data === undefined) {
      ack({ error: 'bad pub' });
      return;
    }
    // The same body as wslab's `msg`, minus its offset: room, publish time, data.
    io.to(body.room).emit('msg', { room: body.room, ts: Date.now(), data: body.data });
    // Socket.IO's broadcast is fire-and-forget: the ack cannot wait for Redis.
    ack();
  });
});

http.listen(Number(options.port), '127.0.0.1', () => {
  console.log(`listening ${(http.address() as AddressInfo).port}`);
});

function shutdown(): void {
  io.close();
  for (const client of redisClients) client.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
