import { allows } from './auth.js';
import type { Bus, PublishResult } from './bus/bus.js';
import type { Client } from './client.js';
import { CLOSES, type CloseValue, ERRORS, type ErrorValue, ROOM_NAME_PATTERN } from './contracts/protocol.js';
import type { Metrics } from './metrics.js';

/** Where a publish came from: the `source` label of wslab_publishes_total. */
export type PublishSource = 'ws' | 'http';

/** What a publish asks for: a decoded `pub` frame, or the HTTP API's untrusted JSON body. */
export interface PublishInput {
  room: unknown;
  data: unknown;
}

/** How a publish ended; WebSocket and HTTP differ only in how they answer it. */
export type PublishOutcome =
  | { ok: true; result: PublishResult }
  /** Refused or failed; the connection (or request) goes on. */
  | { ok: false; error: ErrorValue }
  /** A WebSocket client that must be closed (sustained flood). */
  | { ok: false; close: CloseValue };

// Constant outcomes: a refused publish allocates nothing for its answer.
const BAD_ROOM: PublishOutcome = { ok: false, error: ERRORS.badRoom };
const MISSING_DATA: PublishOutcome = { ok: false, error: ERRORS.missingData };
const FORBIDDEN: PublishOutcome = { ok: false, error: ERRORS.forbiddenPublish };
const RATE_LIMITED: PublishOutcome = { ok: false, error: ERRORS.rateLimited };
const FLOOD: PublishOutcome = { ok: false, close: CLOSES.publishFlood };
const UNAVAILABLE: PublishOutcome = { ok: false, error: ERRORS.publishUnavailable };
const TYPING_UNAVAILABLE: PublishOutcome = { ok: false, error: ERRORS.typingUnavailable };

/**
 * The one publish path. A WebSocket `pub` and `POST /api/publish` both come
 * here: the input is validated, a WebSocket client's grants and publish limit
 * are applied, the bus request is built (`dataJson`, `ts`, `origin`), published
 * and counted. Sizes are bounded before this by the transport (ws maxPayload,
 * the HTTP body reader), both at MAX_FRAME_BYTES.
 */
export class Publisher {
  constructor(
    private readonly bus: Bus,
    private readonly metrics: Metrics,
    private readonly instanceId: string,
  ) {}

  /**
   * Publishes `input.data` to `input.room`; `client` is the WebSocket publisher (null for HTTP).
   * `answer` is called once: at once when the publish is refused (so a flood's close takes
   * effect before the next frame of the same read), else when the bus has answered.
   */
  publish(
    input: PublishInput,
    source: PublishSource,
    client: Client | null,
    answer: (outcome: PublishOutcome) => void,
  ): void {
    const refused = this.refuse(input, client);
    if (refused !== null) {
      answer(refused);
      return;
    }
    // `refuse` checked both: a string room, defined data.
    const room = input.room as string;
    const request = { room, dataJson: JSON.stringify(input.data), ts: Date.now(), origin: this.instanceId };
    this.bus.publish(request).then(
      (result) => {
        this.metrics.publishes.inc({ source });
        answer({ ok: true, result });
      },
      () => answer(UNAVAILABLE),
    );
  }

  /** Relays "`client` is typing in `room`" to the room's other members: ephemeral, never stored. Same `answer` contract. */
  publishTyping(client: Client, room: string, answer: (outcome: PublishOutcome) => void): void {
    const refused = this.admit(client);
    if (refused !== null) {
      answer(refused);
      return;
    }
    // The sender's client id rides along so its own replica can skip it.
    const request = {
      room,
      dataJson: JSON.stringify(client.id),
      ts: Date.now(),
      origin: this.instanceId,
      ephemeral: true,
    };
    this.bus.publish(request).then(
      (result) => answer({ ok: true, result }),
      () => answer(TYPING_UNAVAILABLE),
    );
  }

  /** Validation, then a WebSocket client's grants and publish limit: null when the publish may go on. */
  private refuse(input: PublishInput, client: Client | null): PublishOutcome | null {
    const { room, data } = input;
    if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) return BAD_ROOM;
    if (data === undefined) return MISSING_DATA;
    if (client === null) return null;
    if (!allows(client.grants, 'publish', room)) return FORBIDDEN;
    return this.admit(client);
  }

  /** Applies the client's publish limit: null when admitted. */
  private admit(client: Client): PublishOutcome | null {
    const verdict = client.limiter.check();
    if (verdict === 'allowed') return null;
    if (verdict === 'rate_limited') return RATE_LIMITED;
    this.metrics.protocolErrors.inc({ code: 'publish_flood' });
    return FLOOD;
  }
}
