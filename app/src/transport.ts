import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  type Grants,
  originRefusal,
  selectSubprotocol,
  TokenRefused,
  type TokenRules,
  tokenFromRequest,
  verifyToken,
} from './auth.js';
import { type ConnectionContext, wssOnConnection } from './connection.js';
import type { Logger } from './logger.js';

/** Why an upgrade was refused (metric label) and the HTTP status sent. */
const REJECTIONS = {
  draining: { status: 503, text: 'Service Unavailable' },
  bus_unavailable: { status: 503, text: 'Service Unavailable' },
  max_connections: { status: 503, text: 'Service Unavailable' },
  path: { status: 404, text: 'Not Found' },
  origin: { status: 403, text: 'Forbidden' },
  origin_missing: { status: 403, text: 'Forbidden' },
  token_missing: { status: 401, text: 'Unauthorized' },
  token_invalid: { status: 401, text: 'Unauthorized' },
  token_expired: { status: 401, text: 'Unauthorized' },
  token_lifetime: { status: 401, text: 'Unauthorized' },
} as const;
type RejectionReason = keyof typeof REJECTIONS;

export interface TransportContext extends ConnectionContext {
  logger: Logger;
  /** Read on every upgrade: true once the replica drains. */
  isDraining: () => boolean;
  /** Read on every upgrade: true while Redis, once reached, is unreachable (see bus-loss.ts). */
  isBusLost: () => boolean;
  /** Null = auth off (`auth: none`). */
  tokenRules: TokenRules | null;
}

/**
 * The ws server in noServer mode: the HTTP server's `upgrade` event runs the
 * checks (drain, path, Origin, token) before the handshake completes, the ws
 * README's authentication recipe.
 */
/**
 * Open connections per ws server, counted here (upgrade to close) so the MAX_CONNECTIONS check
 * is a synchronous read: clientTracking is off, and the gauge in metrics is async to read.
 */
const openConnections = new WeakMap<WebSocketServer, { count: number }>();

export function createWebSocketServer(context: TransportContext): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: context.config.maxFrameBytes,
    // Compression would cost ~300 KiB of zlib state per busy socket; the payloads are small JSON.
    perMessageDeflate: false,
    // Origin and token are checked before handleUpgrade; ws only validates the handshake itself.
    clientTracking: false,
    // Answer `wslab.v1`, never the `wslab.token.<jwt>` entry: echoing it would put the token in a response.
    handleProtocols: (offered) => selectSubprotocol(offered),
  });
  const instanceHeader = `X-Instance: ${context.config.instanceId}`;
  openConnections.set(wss, { count: 0 });
  wss.on('headers', (headers) => headers.push(instanceHeader));
  wss.on('wsClientError', (_error, socket) => {
    // A malformed handshake (bad key, version): ws answers 400 itself.
    context.metrics.upgradesRejected.inc({ reason: 'bad_handshake' });
    socket.destroy();
  });
  return wss;
}

function rejectUpgrade(context: TransportContext, socket: Duplex, reason: RejectionReason): void {
  const { status, text } = REJECTIONS[reason];
  context.metrics.upgradesRejected.inc({ reason });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\nX-Instance: ${context.config.instanceId}\r\n\r\n`,
    );
  }
  socket.destroy();
}

/** The HTTP server's `upgrade` handler. */
export async function serverOnUpgrade(
  context: TransportContext,
  wss: WebSocketServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  if (context.isDraining()) return rejectUpgrade(context, socket, 'draining');
  if (context.isBusLost()) return rejectUpgrade(context, socket, 'bus_unavailable');
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== '/ws') return rejectUpgrade(context, socket, 'path');
  const refusedOrigin = originRefusal(
    context.config.allowedOrigins,
    request.headers,
    context.tokenRules !== null,
  );
  if (refusedOrigin !== undefined) return rejectUpgrade(context, socket, refusedOrigin);
  let grants: Grants | null = null;
  if (context.tokenRules !== null) {
    const token = tokenFromRequest(request);
    if (token === undefined) return rejectUpgrade(context, socket, 'token_missing');
    try {
      grants = await verifyToken(context.tokenRules, token);
    } catch (error) {
      if (error instanceof TokenRefused) return rejectUpgrade(context, socket, error.reason);
      context.logger.warn({ err: error }, 'token verification failed');
      return rejectUpgrade(context, socket, 'token_invalid');
    }
    if (socket.destroyed) return;
    if (context.isDraining()) return rejectUpgrade(context, socket, 'draining');
  }
  const open = openConnections.get(wss) ?? { count: 0 };
  // Before the handshake: a refused client costs no WebSocket state and can retry another replica.
  if (open.count >= context.config.maxConnections) return rejectUpgrade(context, socket, 'max_connections');
  // Counted once the handshake completed (a malformed one never calls back).
  wss.handleUpgrade(request, socket, head, (webSocket) => {
    open.count += 1;
    webSocket.once('close', () => {
      open.count -= 1;
    });
    wssOnConnection(context, webSocket, grants);
  });
}
