import type { RawData, WebSocket } from 'ws';
import { allows, type Grants } from './auth.js';
import { Client } from './client.js';
import type { Config } from './config.js';
import {
  CLOSE_CODES,
  CLOSES,
  ERRORS,
  type HelloFrame,
  heartbeatTimeoutMs,
  type JoinFrame,
  type LeaveFrame,
  PROTOCOL_VERSION,
  type PubFrame,
  type TypingFrame,
} from './contracts/protocol.js';
import type { Hub } from './hub.js';
import { PublishLimiter } from './limits.js';
import type { Metrics } from './metrics.js';
import { decodeClientFrame } from './protocol/decode.js';
import { encodeFrame } from './protocol/encode.js';
import type { Publisher, PublishOutcome } from './publish.js';
import type { Sender } from './sender.js';

/** What the connection handlers share (one per service instance). */
export interface ConnectionContext {
  config: Config;
  hub: Hub;
  publisher: Publisher;
  sender: Sender;
  metrics: Metrics;
  clients: Set<Client>;
}

/** ws's own protocol errors (it closes the socket itself) → our metric label and the close code it sent. */
const WS_ERROR_CLOSE: Record<string, { label: string; code: number }> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: { label: 'frame_too_big', code: CLOSE_CODES.messageTooBig },
  WS_ERR_INVALID_UTF8: { label: 'invalid_utf8', code: CLOSE_CODES.invalidPayload },
};

/** Wires a freshly upgraded socket: the client object, its handlers, `hello`. */
export function wssOnConnection(
  context: ConnectionContext,
  socket: WebSocket,
  grants: Grants | null,
): Client {
  const { config } = context;
  const client = new Client(socket, new PublishLimiter(config.publishRatePerS, config.publishBurst), grants);
  context.clients.add(client);
  context.metrics.connectionsOpen.inc();
  socket.on('message', (data, isBinary) => socketOnMessage(context, client, data, isBinary));
  socket.on('pong', () => socketOnPong(client));
  socket.on('error', (error) => socketOnError(context, client, error));
  socket.once('close', () => socketOnClose(context, client));
  const hello: HelloFrame = {
    op: 'hello',
    instance: config.instanceId,
    version: PROTOCOL_VERSION,
    pingIntervalMs: config.pingIntervalMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: heartbeatTimeoutMs(config.heartbeatIntervalMs),
    history: context.hub.historyEnabled,
    limits: {
      maxFrameBytes: config.maxFrameBytes,
      maxRoomsPerConnection: config.maxRoomsPerConnection,
      publishPerSecond: config.publishRatePerS,
    },
  };
  context.sender.send(client, encodeFrame(hello));
  return client;
}

function socketOnPong(client: Client): void {
  client.isAlive = true;
}

function socketOnError(context: ConnectionContext, client: Client, error: Error & { code?: string }): void {
  // ws already closed the socket with the matching code; count what happened.
  const known = error.code === undefined ? undefined : WS_ERROR_CLOSE[error.code];
  const label = known?.label ?? 'ws_protocol';
  context.metrics.protocolErrors.inc({ code: label });
  if (!client.closing) {
    client.closing = true;
    context.metrics.closeCodesSent.inc({ code: String(known?.code ?? CLOSE_CODES.protocolError) });
  }
}

function socketOnClose(context: ConnectionContext, client: Client): void {
  client.closing = true;
  context.clients.delete(client);
  context.metrics.connectionsOpen.dec();
  context.hub.leaveAll(client);
}

function socketOnMessage(context: ConnectionContext, client: Client, data: RawData, isBinary: boolean): void {
  context.metrics.framesIn.inc();
  if (client.closing) return;
  if (isBinary) {
    context.metrics.protocolErrors.inc({ code: 'binary' });
    context.sender.close(client, CLOSES.binaryFrame);
    return;
  }
  // ws delivers one Buffer per message (fragments joined) and has validated the UTF-8.
  const result = decodeClientFrame(data.toString());
  if (!result.ok) {
    context.sender.sendError(client, result.error, result.id);
    return;
  }
  const frame = result.frame;
  switch (frame.op) {
    case 'join':
      clientOnJoin(context, client, frame);
      return;
    case 'leave':
      clientOnLeave(context, client, frame);
      return;
    case 'pub':
      clientOnPub(context, client, frame);
      return;
    case 'typing':
      clientOnTyping(context, client, frame);
      return;
  }
}

function clientOnJoin(context: ConnectionContext, client: Client, frame: JoinFrame): void {
  const { sender, config, hub } = context;
  if (!allows(client.grants, 'join', frame.room)) {
    sender.sendError(client, ERRORS.forbiddenJoin);
    return;
  }
  if (client.rooms.has(frame.room)) {
    // A second join re-synchronises: the same as leave + join, so `since` is honoured exactly.
    hub.leave(client, frame.room);
  } else if (client.rooms.size >= config.maxRoomsPerConnection) {
    sender.sendError(client, ERRORS.tooManyRooms(config.maxRoomsPerConnection));
    return;
  }
  void hub.join(client, frame.room, frame.since);
}

function clientOnLeave(context: ConnectionContext, client: Client, frame: LeaveFrame): void {
  context.hub.leave(client, frame.room);
  context.sender.send(client, encodeFrame({ op: 'left', room: frame.room }));
}

function clientOnPub(context: ConnectionContext, client: Client, frame: PubFrame): void {
  context.publisher.publish(frame, 'ws', client, (outcome) => {
    if (!outcome.ok) return answerRefusal(context, client, outcome, frame.id);
    const { offset, epoch } = outcome.result;
    const ack =
      offset > 0 ? { op: 'ack' as const, id: frame.id, offset, epoch } : { op: 'ack' as const, id: frame.id };
    context.sender.send(client, encodeFrame(ack));
  });
}

function clientOnTyping(context: ConnectionContext, client: Client, frame: TypingFrame): void {
  if (!client.rooms.has(frame.room)) {
    context.sender.sendError(client, ERRORS.notJoined);
    return;
  }
  context.publisher.publishTyping(client, frame.room, (outcome) => {
    if (!outcome.ok) answerRefusal(context, client, outcome, undefined);
  });
}

/** A refused or failed publish over WebSocket: an `error` frame, or the close the outcome asks for. */
function answerRefusal(
  context: ConnectionContext,
  client: Client,
  outcome: Exclude<PublishOutcome, { ok: true }>,
  id: string | undefined,
): void {
  if ('close' in outcome) context.sender.close(client, outcome.close);
  else context.sender.sendError(client, outcome.error, id);
}
