/**
 * The wire protocol: JSON text frames with an `op` field.
 * This module holds only types and constants so that the load scenarios
 * (loadtests/, including the k6 scripts) can import it without pulling in the service.
 * Documented with examples in app/PROTOCOL.md.
 */

export const PROTOCOL_VERSION = 1;

/** Room names: 1–64 of [A-Za-z0-9_.:-]. No braces, so a room can always be wrapped in a Redis hash tag. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Where a client is in a room's history. `epoch` changes when the stream was lost and recreated. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

// ---- client → server -------------------------------------------------------

export interface JoinFrame {
  op: 'join';
  room: string;
  /** Resume: deliver every message after this position, then live ones. */
  since?: StreamPosition;
}

export interface LeaveFrame {
  op: 'leave';
  room: string;
}

export interface PubFrame {
  op: 'pub';
  room: string;
  /** Any JSON value. */
  data: unknown;
  /** Client-chosen id echoed in the `ack` (or `error`). */
  id?: string;
}

/** Ephemeral: relayed to the room's other members, never stored. */
export interface TypingFrame {
  op: 'typing';
  room: string;
}

export type ClientFrame = JoinFrame | LeaveFrame | PubFrame | TypingFrame;
export type ClientOp = ClientFrame['op'];

// ---- server → client -------------------------------------------------------

export interface HelloFrame {
  op: 'hello';
  instance: string;
  version: typeof PROTOCOL_VERSION;
  /** The server pings this often; a client may use it to detect a dead link. */
  pingIntervalMs: number;
  history: boolean;
  limits: { maxFrameBytes: number; maxRoomsPerConnection: number; publishPerSecond: number };
}

/** Reply to `join`. `position` is where live delivery continues from (null when history is off). */
export interface JoinedFrame {
  op: 'joined';
  room: string;
  position: StreamPosition | null;
  /** True when `since` was honoured: every message after it was (or is being) delivered. */
  recovered: boolean;
  /** True when `since` was older than the retained window or from another epoch: messages were missed. */
  missed: boolean;
}

export interface LeftFrame {
  op: 'left';
  room: string;
}

export interface MsgFrame {
  op: 'msg';
  room: string;
  /** Stream offset (1, 2, 3, … per room and epoch); absent when history is off. */
  offset?: number;
  epoch?: string;
  /** Publish time at the publishing replica, ms since the Unix epoch. */
  ts: number;
  data: unknown;
}

export interface AckFrame {
  op: 'ack';
  id?: string;
  /** Stored offset of the published message; absent when history is off. */
  offset?: number;
  epoch?: string;
}

export interface TypingEventFrame {
  op: 'typing';
  room: string;
}

export interface ErrorFrame {
  op: 'error';
  code: ErrorCode;
  reason: string;
  /** The `id` of the frame that caused it, when it had one. */
  id?: string;
}

export type ServerFrame =
  | HelloFrame
  | JoinedFrame
  | LeftFrame
  | MsgFrame
  | AckFrame
  | TypingEventFrame
  | ErrorFrame;

// ---- codes -------------------------------------------------------------------

/** Error codes sent in `error` frames; the connection stays open. Tests assert codes, never reasons. */
export const ERROR_CODES = [
  'bad_json', // not JSON
  'bad_frame', // JSON, but not an object with the fields its op needs
  'unknown_op',
  'bad_room', // room name does not match ROOM_NAME_PATTERN
  'too_many_rooms', // over the per-connection room limit
  'rate_limited', // publish token bucket empty
  'not_joined', // typing in a room the connection has not joined
  'forbidden', // the token does not grant this room
  'unavailable', // Redis unreachable: retry later
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes the server uses (RFC 6455 §7.4.1 and the IANA registry, plus 4xxx for the app). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  /** Binary frame: this protocol is text only. */
  unsupportedData: 1003,
  /** Invalid UTF-8 in a text frame. */
  invalidPayload: 1007,
  /** Abuse beyond what an error frame can handle (for example a sustained publish flood). */
  policyViolation: 1008,
  /** Frame over the size limit. */
  messageTooBig: 1009,
  internalError: 1011,
  /** Drain: the replica is restarting; reconnect (elsewhere) and resume. */
  serviceRestart: 1012,
  /** Slow consumer: the send buffer went over its cap; reconnect and resume. */
  tryAgainLater: 1013,
  /** Rebalance: the lab asked a share of clients to move to a new replica. */
  rebalance: 4000,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;

/** Close codes after which a good client reconnects (with backoff) and resumes. */
export const RECONNECTABLE_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.goingAway,
  CLOSE_CODES.internalError,
  CLOSE_CODES.serviceRestart,
  CLOSE_CODES.tryAgainLater,
  CLOSE_CODES.rebalance,
  1006, // abnormal closure: the peer vanished (killed replica, proxy reset)
]);
