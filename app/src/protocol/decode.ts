import { type ClientFrame, type ErrorCode, ROOM_NAME_PATTERN } from '../contracts/protocol.js';

export type DecodeResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; reason: string; id?: string };

/** Longest client-chosen `id` echoed back in acks. */
export const MAX_ID_LENGTH = 128;

function fail(code: ErrorCode, reason: string, id?: string): DecodeResult {
  return id === undefined ? { ok: false, code, reason } : { ok: false, code, reason, id };
}

/**
 * Decodes one client text frame into a typed frame or a stable error code.
 *
 * Hand-written on purpose: this runs for every frame of every client, and a
 * schema library (zod) allocates issue trees and walks generic validators per
 * call — several times the cost of these few typeof checks. The frame size was
 * already bounded by ws (maxPayload) and the UTF-8 validated.
 */
export function decodeClientFrame(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad_frame', 'frame must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const rawId = record.id;
  let id: string | undefined;
  if (rawId !== undefined) {
    if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > MAX_ID_LENGTH) {
      return fail('bad_frame', `id must be a string of 1-${MAX_ID_LENGTH} characters`);
    }
    id = rawId;
  }
  const op = record.op;
  if (typeof op !== 'string') return fail('bad_frame', 'op must be a string', id);
  if (op !== 'join' && op !== 'leave' && op !== 'pub' && op !== 'typing') {
    return fail('unknown_op', `unknown op ${JSON.stringify(op.slice(0, 32))}`, id);
  }
  const room = record.room;
  if (typeof room !== 'string') return fail('bad_frame', 'room must be a string', id);
  if (!ROOM_NAME_PATTERN.test(room)) return fail('bad_room', 'room must be 1-64 of [A-Za-z0-9_.:-]', id);

  switch (op) {
    case 'join': {
      const since = record.since;
      if (since === undefined || since === null) return { ok: true, frame: { op, room } };
      if (typeof since !== 'object') return fail('bad_frame', 'since must be {offset, epoch}', id);
      const { offset, epoch } = since as Record<string, unknown>;
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        return fail('bad_frame', 'since.offset must be an integer >= 0', id);
      }
      if (typeof epoch !== 'string' || epoch.length > 64) {
        return fail('bad_frame', 'since.epoch must be a string', id);
      }
      return { ok: true, frame: { op, room, since: { offset, epoch } } };
    }
    case 'pub': {
      if (!('data' in record) || record.data === undefined) return fail('bad_frame', 'pub needs data', id);
      return {
        ok: true,
        frame: id === undefined ? { op, room, data: record.data } : { op, room, data: record.data, id },
      };
    }
    default:
      return { ok: true, frame: { op, room } };
  }
}
