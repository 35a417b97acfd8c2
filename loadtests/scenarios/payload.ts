/**
 * The message every load publisher sends, as the `data` of a `pub` frame:
 * `{ p, s, t, x }` = publisher id, per-publisher sequence number (1, 2, 3, …),
 * intended send time (the message's slot in the arrival schedule, not the moment the sender got
 * to it) in ms since the Unix epoch (fractional when the clock allows) and padding.
 * Subscribers use `p`+`s` for loss, duplicate and order accounting and `t` for latency.
 * Pure: no Node or k6 imports.
 */

export interface LoadPayload {
  /** Publisher id, unique within a run. */
  p: string;
  /** Sequence number of this publisher, from 1, without gaps at the sender. */
  s: number;
  /** Intended send time (its slot in the schedule), ms since the Unix epoch. */
  t: number;
  /** Padding so the payload is about `messageBytes` long. */
  x: string;
}

/** Bytes of the payload fields other than the padding, for a 13-digit time with 3 decimals. */
const overheadBytes = (publisherId: string, seq: number): number =>
  JSON.stringify({ p: publisherId, s: seq, t: 1_700_000_000_000.123, x: '' }).length;

/** Padding string that brings the JSON of the payload to about `messageBytes` (never negative). */
export function paddingFor(publisherId: string, messageBytes: number): string {
  return 'x'.repeat(Math.max(0, messageBytes - overheadBytes(publisherId, 1)));
}

export function makePayload(
  publisherId: string,
  seq: number,
  intendedAtMs: number,
  padding: string,
): LoadPayload {
  return { p: publisherId, s: seq, t: intendedAtMs, x: padding };
}

/** Narrows untrusted `data` from a `msg` frame to a load payload; null when it is not one. */
export function readPayload(data: unknown): LoadPayload | null {
  if (typeof data !== 'object' || data === null) return null;
  const candidate = data as Partial<LoadPayload>;
  if (typeof candidate.p !== 'string' || typeof candidate.s !== 'number' || typeof candidate.t !== 'number') {
    return null;
  }
  return candidate as LoadPayload;
}
