import {
  type ClientFrame,
  ERRORS,
  type ErrorValue,
  MAX_ID_LENGTH,
  ROOM_NAME_PATTERN,
} from '../contracts/protocol.js';

export type DecodeResult = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorValue; id?: string };

function fail(error: ErrorValue, id?: string): DecodeResult {
  return id === undefined ? { ok: false, error } : { ok: false, error, id };
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
    return fail(ERRORS.badJson);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ERRORS.notAnObject);
  }
  const record = value as Record<string, unknown>;
  const rawId = record.id;
  let id: string | undefined;
  if (rawId !== undefined) {
    if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > MAX_ID_LENGTH) {
      return fail(ERRORS.badId);
    }
    id = rawId;
  }
  const op = record.op;
  if (typeof op !== 'string') return fail(ERRORS.opNotString, id);
  if (op !== 'join' && op !== 'leave' && op !== 'pub' && op !== 'typing') {
    return fail(ERRORS.unknownOp(op), id);
  }
  const room = record.room;
  if (typeof room !== 'string') return fail(ERRORS.roomNotString, id);
  if (!ROOM_NAME_PATTERN.test(room)) return fail(ERRORS.badRoom, id);

  switch (op) {
    case 'join': {
      const since = record.since;
      if (since === undefined || since === null) return { ok: true, frame: { op, room } };
      if (typeof since !== 'object') return fail(ERRORS.badSince, id);
      const { offset, epoch } = since as Record<string, unknown>;
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
        return fail(ERRORS.badSinceOffset, id);
      }
      if (typeof epoch !== 'string' || epoch.length > 64) {
        return fail(ERRORS.badSinceEpoch, id);
      }
      return { ok: true, frame: { op, room, since: { offset, epoch } } };
    }
    case 'pub': {
      if (!('data' in record) || record.data === undefined) return fail(ERRORS.missingData, id);
      return {
        ok: true,
        frame: id === undefined ? { op, room, data: record.data } : { op, room, data: record.data, id },
      };
    }
    default:
      return { ok: true, frame: { op, room } };
  }
}
