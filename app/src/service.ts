import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenRulesOf } from './auth.js';
import type { Bus } from './bus/bus.js';
import { BusLossGuard } from './bus-loss.js';
import type { Client } from './client.js';
import type { Config } from './config.js';
import { CLOSES, heartbeatTimeoutMs } from './contracts/protocol.js';
import { closeSpread, pickFraction } from './drain.js';
import { startAppHeartbeat, startHeartbeat } from './heartbeat.js';
import { type RoutesContext, serverOnRequest } from './http/routes.js';
import { Hub, REPLAY_STALL_MS } from './hub.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics, recordBusState } from './metrics.js';
import { Publisher } from './publish.js';
import { Sender } from './sender.js';
import { createWebSocketServer, serverOnUpgrade, type TransportContext } from './transport.js';

export interface ServiceOptions {
  config: Config;
  /** Injected, not built here: tests pass the memory bus, main.ts a Redis one. */
  bus: Bus;
  logger: Logger;
  /** Closes the bus and whatever it was built on (default: `bus.close()`). */
  closeBus?: () => Promise<void>;
}

/** One replica: HTTP server, WebSocket transport, hub, heartbeat and drain. */
export interface Service {
  readonly metrics: Metrics;
  readonly hub: Hub;
  readonly clients: ReadonlySet<Client>;
  /** The bound port (after `listen`). */
  readonly port: number;
  listen(): Promise<number>;
  /** Unready, stop accepting, close clients with 1012 over DRAIN_WINDOW_MS, close the bus. */
  drain(): Promise<void>;
  /** Closes everything now (tests). */
  close(): Promise<void>;
}

/** Builds a replica around an injected bus. */
export function createService(options: ServiceOptions): Service {
  const { config, bus, logger } = options;
  const metrics = createMetrics(config.instanceId);
  const sender = new Sender(metrics, config.sendBufferMaxBytes);
  // A peer that reads nothing of its replay for as long as a client waits for a heartbeat is gone.
  const replayStallMs = heartbeatTimeoutMs(config.heartbeatIntervalMs) || REPLAY_STALL_MS;
  const hub = new Hub(bus, sender, metrics, logger, config.instanceId, replayStallMs);
  const publisher = new Publisher(bus, metrics, config.instanceId);
  const clients = new Set<Client>();
  let draining = false;
  const isDraining = () => draining;
  const busLoss = new BusLossGuard({
    clients,
    isSilentFailure: () => bus.silentFailure === true,
    sender,
    onShed: (count) => logger.warn({ clients: count }, 'redis unreachable: closing clients (1013)'),
  });

  recordBusState(metrics, bus.state);
  busLoss.busOnState(bus.state);
  bus.onStateChange((state) => {
    recordBusState(metrics, state);
    busLoss.busOnState(state);
    logger.info({ busState: state }, 'bus state');
  });
  bus.onDecodeError((error) => {
    metrics.busDecodeErrors.inc();
    logger.debug({ err: error }, 'bus decode error');
  });

  const context: TransportContext = {
    config,
    hub,
    publisher,
    sender,
    metrics,
    clients,
    logger,
    isDraining,
    isBusLost: () => busLoss.isLost,
    tokenRules: tokenRulesOf(config),
  };
  const wss = createWebSocketServer(context);
  const rebalance = (fraction: number, windowMs: number): number => {
    const chosen = pickFraction(clients, fraction);
    void closeSpread(chosen, sender, { close: CLOSES.rebalance, windowMs });
    logger.info({ fraction, closing: chosen.length, windowMs }, 'rebalance');
    return chosen.length;
  };

  const routes: RoutesContext = {
    config,
    publisher,
    busState: () => bus.state,
    metrics,
    isDraining,
    rebalance,
  };

  const server: Server = createServer({
    // A client that never finishes its upgrade request is dropped after this (and counted below).
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(config.handshakeTimeoutMs / 4))),
  });
  server.on('request', (request, response) => serverOnRequest(routes, request, response));
  server.on('upgrade', (request, socket, head) => {
    serverOnUpgrade(context, wss, request, socket, head).catch((error: unknown) => {
      logger.error({ err: error }, 'upgrade failed');
      socket.destroy();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      metrics.upgradesRejected.inc({ reason: 'handshake_timeout' });
      if (socket.writable) socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    } else if (error.code !== 'ECONNRESET') {
      metrics.upgradesRejected.inc({ reason: 'bad_request' });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
    socket.destroy();
  });

  const stopPings = startHeartbeat(clients, sender, config.pingIntervalMs);
  const stopAppHeartbeat = startAppHeartbeat(clients, sender, config.heartbeatIntervalMs, (sent) =>
    metrics.framesOut.inc(sent),
  );
  const stopHeartbeat = () => {
    stopPings();
    stopAppHeartbeat();
    busLoss.stop();
  };
  let port = 0;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    metrics,
    hub,
    clients,
    get port() {
      return port;
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          port = (server.address() as AddressInfo).port;
          resolve(port);
        });
      });
    },
    async drain() {
      if (draining) return;
      draining = true;
      stopHeartbeat();
      logger.info({ clients: clients.size, drainWindowMs: config.drainWindowMs }, 'draining');
      // The listener stays open through the window so proxies' health checks read readyz 503 and
      // late upgrades get a clean 503 (not a reset) while the clients are closed; then it closes.
      await closeSpread([...clients], sender, {
        close: CLOSES.serviceRestart,
        windowMs: config.drainWindowMs,
      });
      await stopListening();
      await (options.closeBus ?? (() => bus.close()))();
      logger.info('drained');
    },
    async close() {
      draining = true;
      stopHeartbeat();
      for (const client of clients) client.socket.terminate();
      await stopListening();
    },
  };
}
