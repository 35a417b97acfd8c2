import WebSocket from 'ws';
import { bearerHeader } from '../../app/src/contracts/client-token.js';

export interface IdleSocketOptions {
  /** A room the socket joins once open (a member costs the replica more than a bare socket). */
  room?: string;
  /** Give up on the upgrade after this long. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Local (source) address to connect from. Default: the system's choice. */
  localAddress?: string;
  /** JWT of the deployment (`auth: jwt`), sent as `Authorization: Bearer`; unset: none. */
  token?: string;
}

/**
 * Opens one idle WebSocket: after the optional join it sends nothing (`ws` answers the server's
 * pings by itself). Resolves with the open socket, or undefined when it could not open (refused,
 * a non-101 answer, no answer in time).
 */
export function openIdleSocket(url: string, options: IdleSocketOptions = {}): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      headers: options.token === undefined ? {} : bearerHeader(options.token),
    });
    socket.once('open', () => {
      if (options.room !== undefined) socket.send(JSON.stringify({ op: 'join', room: options.room }));
      resolve(socket);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('unexpected-response', () => {
      socket.terminate();
      resolve(undefined);
    });
  });
}

/** Sockets of `sockets` still open. */
export function openCount(sockets: readonly WebSocket[]): number {
  return sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
}

/** Terminates every socket and resolves once each has closed. */
export async function terminateAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
}
