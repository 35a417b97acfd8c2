import type { BusEntry } from '../bus/bus.js';
import type { ServerFrame } from '../contracts/protocol.js';

/**
 * Encodes a bus entry as a `msg` frame by splicing the already-serialised
 * `dataJson` into the envelope: the payload is never parsed or re-stringified
 * on the fan-out path. Called once per entry; the string goes to N sockets.
 * Offset and epoch are left out when the entry was not stored (history off).
 */
export function encodeMsg(entry: BusEntry): string {
  const position = entry.offset > 0 ? `,"offset":${entry.offset},"epoch":${JSON.stringify(entry.epoch)}` : '';
  return `{"op":"msg","room":${JSON.stringify(entry.room)}${position},"ts":${entry.ts},"data":${entry.dataJson}}`;
}

/** The `typing` relay frame for a room. */
export function encodeTyping(room: string): string {
  return `{"op":"typing","room":${JSON.stringify(room)}}`;
}

/** Any other (rare, per-connection) server frame. */
export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
