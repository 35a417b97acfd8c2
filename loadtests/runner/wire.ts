/**
 * How a load client speaks to a server: the wslab JSON protocol, or Socket.IO (Engine.IO v4 /
 * Socket.IO v5 over a plain WebSocket) for the peer benchmark. A wire turns the runner's
 * client frames into text and the server's text into the runner's server frames, so every
 * scenario, its accounting and the client's cost are the same whatever the server is.
 */
import type { ClientFrame, ServerFrame } from '../../app/src/contracts/protocol.js';

/** The wire protocols the runner speaks. */
export const WIRE_PROTOCOLS = ['wslab', 'socketio'] as const;
export type WireProtocol = (typeof WIRE_PROTOCOLS)[number];

/** Where a decoded message goes. */
export interface WireSink {
  /** A server frame for the client. */
  frame(frame: ServerFrame): void;
  /** A protocol answer (Engine.IO pong) to write back at once. */
  reply(text: string): void;
  /** The session is up (Socket.IO: the CONNECT answer); the wslab wire is up with the socket. */
  sessionOpen(): void;
}

/** One client's wire; `opened` starts each new connection (per-connection state is reset there). */
export interface Wire {
  /** The URL to dial for a target URL. */
  url(target: string): string;
  /** True when the session opens with a handshake packet after the WebSocket opens. */
  readonly handshake: boolean;
  /** A new connection is open: the text to send first (null: nothing). */
  opened(): string | null;
  /** The text for a client frame, or null when this protocol has no equivalent. */
  encode(frame: ClientFrame): string | null;
  /** Decodes one text message of the server. */
  decode(text: string, sink: WireSink): void;
}

/** The wslab protocol: one JSON frame per WebSocket message. */
export class WslabWire implements Wire {
  readonly handshake = false;
  url(target: string): string {
    return target;
  }
  opened(): null {
    return null;
  }
  encode(frame: ClientFrame): string {
    return JSON.stringify(frame);
  }
  decode(text: string, sink: WireSink): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    sink.frame(frame);
  }
}
