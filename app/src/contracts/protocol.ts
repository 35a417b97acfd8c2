/**
 * The wire protocol: JSON text frames with an `op` field.
 * This module holds only types and constants so that the load scenarios
 * (loadtests/, including the k6 scripts) can import it without pulling in the service.
 * Documented with examples in app/PROTOCOL.md.
 */

export const PROTOCOL_VERSION = 1;

/**
 * The application-level heartbeat (server → client), which browsers can observe (they cannot see
 * WebSocket ping frames): every `heartbeatIntervalMs` each connection gets `{"op":"ping"}`. A
 * client that has received no frame at all for `heartbeatTimeoutMs(interval)` treats the
 * connection as dead (frozen replica, dead host, a cut link: nothing sends a FIN or RST), closes it
 * and reconnects with `since`. The proxies' idle timeout of an upgraded connection is the same
 * number (proxy/options.ts), so they cut such a tunnel at the same moment.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
/** The heartbeat frame's text: one constant, framed once per interval for every socket. */
export const HEARTBEAT_FRAME_TEXT = '{"op":"ping"}';

/**
 * How long a client waits for any frame before it gives the connection up: one interval plus a
 * grace of half an interval (at least 1 s) for event-loop lag on a busy replica and the network.
 * Socket.IO (pingInterval + pingTimeout) and Centrifugo (ping interval + max server ping delay)
 * use the same shape. 0 = no heartbeat, no timeout.
 */
export function heartbeatTimeoutMs(intervalMs: number): number {
  if (intervalMs <= 0) return 0;
  return intervalMs + Math.max(1_000, Math.round(intervalMs / 2));
}

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
  /** The server sends WebSocket pings this often (and ends peers that do not answer). */
  pingIntervalMs: number;
  /** The server sends a `ping` frame this often; 0 = no heartbeat. */
  heartbeatIntervalMs: number;
  /** No frame for this long: the connection is dead, close and reconnect (`heartbeatTimeoutMs`). */
  heartbeatTimeoutMs: number;
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

/** The heartbeat: carries nothing, needs no answer; any frame counts as life. */
export interface PingFrame {
  op: 'ping';
}

export type ServerFrame =
  | HelloFrame
  | PingFrame
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
  /** ws closes with it on a frame that breaks RFC 6455 (bad opcode, unmasked client frame…). */
  protocolError: 1002,
  /** Binary frame: this protocol is text only. */
  unsupportedData: 1003,
  /** Never sent on the wire: the connection ended without a close frame (terminated, killed peer). */
  abnormalClosure: 1006,
  /** Invalid UTF-8 in a text frame. */
  invalidPayload: 1007,
  /** Abuse beyond what an error frame can handle (for example a sustained publish flood). */
  policyViolation: 1008,
  /** Frame over the size limit. */
  messageTooBig: 1009,
  internalError: 1011,
  /** Drain: the replica is restarting; reconnect (elsewhere) and resume. */
  serviceRestart: 1012,
  /** Slow consumer (the send buffer went over its cap) or Redis unreachable: reconnect and resume. */
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
  CLOSE_CODES.abnormalClosure, // the peer vanished (killed replica, proxy reset)
]);

/** One close the server initiates: the code and the reason text of the close frame. */
export interface CloseValue {
  readonly code: number;
  readonly reason: string;
}

/** Every close the server initiates itself, one entry per cause (ws's own protocol closes are not here). */
export const CLOSES = {
  binaryFrame: { code: CLOSE_CODES.unsupportedData, reason: 'text frames only' },
  publishFlood: { code: CLOSE_CODES.policyViolation, reason: 'publish flood' },
  slowConsumer: { code: CLOSE_CODES.tryAgainLater, reason: 'slow consumer' },
  /** The replica lost Redis: it cannot fan out, so its clients move to a replica that can. */
  busUnavailable: { code: CLOSE_CODES.tryAgainLater, reason: 'redis unreachable' },
  serviceRestart: { code: CLOSE_CODES.serviceRestart, reason: 'service restart' },
  rebalance: { code: CLOSE_CODES.rebalance, reason: 'rebalance' },
} as const satisfies Record<string, CloseValue>;

/** One `error` frame's code and reason (the connection stays open). */
export interface ErrorValue {
  readonly code: ErrorCode;
  readonly reason: string;
}

/** Longest client-chosen `id` echoed back in acks. */
export const MAX_ID_LENGTH = 128;

/**
 * Every error the server answers with, one entry per cause, over WebSocket and the HTTP
 * publish API alike. Entries whose reason names a value are functions of it.
 */
export const ERRORS = {
  badJson: { code: 'bad_json', reason: 'frame is not valid JSON' },
  notAnObject: { code: 'bad_frame', reason: 'frame must be a JSON object' },
  badId: { code: 'bad_frame', reason: `id must be a string of 1-${MAX_ID_LENGTH} characters` },
  opNotString: { code: 'bad_frame', reason: 'op must be a string' },
  roomNotString: { code: 'bad_frame', reason: 'room must be a string' },
  badSince: { code: 'bad_frame', reason: 'since must be {offset, epoch}' },
  badSinceOffset: { code: 'bad_frame', reason: 'since.offset must be an integer >= 0' },
  badSinceEpoch: { code: 'bad_frame', reason: 'since.epoch must be a string' },
  missingData: { code: 'bad_frame', reason: 'data is required' },
  badRoom: { code: 'bad_room', reason: 'room must be 1-64 of [A-Za-z0-9_.:-]' },
  unknownOp: (op: string): ErrorValue => ({
    code: 'unknown_op',
    reason: `unknown op ${JSON.stringify(op.slice(0, 32))}`,
  }),
  tooManyRooms: (maxRooms: number): ErrorValue => ({
    code: 'too_many_rooms',
    reason: `at most ${maxRooms} rooms per connection`,
  }),
  rateLimited: { code: 'rate_limited', reason: 'publish rate exceeded' },
  notJoined: { code: 'not_joined', reason: 'join the room first' },
  forbiddenJoin: { code: 'forbidden', reason: 'the token does not grant this room' },
  forbiddenPublish: { code: 'forbidden', reason: 'the token does not grant publishing here' },
  joinUnavailable: { code: 'unavailable', reason: 'history or subscription unavailable, retry later' },
  publishUnavailable: { code: 'unavailable', reason: 'publish failed, retry later' },
  typingUnavailable: { code: 'unavailable', reason: 'typing relay failed' },
} as const satisfies Record<string, ErrorValue | ((...args: never[]) => ErrorValue)>;

/** An HTTP API answer that is not a publish outcome: status and the JSON body's `error` and `reason`. */
export interface HttpErrorValue {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * The HTTP API's own errors (`/api/publish`, `/admin/rebalance`, unknown routes). A refused
 * publish answers with its ERRORS entry instead: 503 for `unavailable`, else 400.
 */
export const HTTP_ERRORS = {
  notFound: { status: 404, code: 'not_found', reason: 'no such route' },
  apiDisabled: { status: 404, code: 'disabled', reason: 'PUBLISH_API_KEY is not set' },
  unauthorized: { status: 401, code: 'unauthorized', reason: 'x-api-key is missing or wrong' },
  badBody: (maxBytes: number): HttpErrorValue => ({
    status: 400,
    code: 'bad_json',
    reason: `body must be a JSON object of at most ${maxBytes} bytes`,
  }),
  badFraction: { status: 400, code: 'bad_frame', reason: 'fraction must be a number from 0 to 1' },
  internal: { status: 500, code: 'internal', reason: 'internal error' },
} as const satisfies Record<string, HttpErrorValue | ((...args: never[]) => HttpErrorValue)>;
