/**
 * Redis key and channel names. Every per-room name carries the room as a
 * Redis Cluster hash tag (`{room}`), so a room's stream, meta hash and
 * sharded channel live in one slot (the publish script touches all three),
 * while different rooms spread over the 16 384 slots by CRC16 of their name.
 * Room names cannot contain braces (ROOM_NAME_PATTERN), so the tag is exact.
 */

/** Prefix of every key and channel; tests use their own to stay isolated on a shared Redis. */
export const DEFAULT_KEY_PREFIX = 'wslab';

/** The hash tag that pins a room's keys and channel to one cluster slot. */
export function roomHashTag(room: string): string {
  return `{${room}}`;
}

/** The Redis names one room uses. */
export interface RoomKeys {
  /** Capped Redis Stream of the room's history (entry ID `<offset>-0`). */
  stream: string;
  /** Hash with `epoch` and `offset` (the last offset handed out). */
  meta: string;
  /** Per-room pub/sub channel (SUBSCRIBE in single mode, SSUBSCRIBE in cluster mode). */
  channel: string;
}

/** Names for `room` under `prefix`: `wslab:{room}:s`, `wslab:{room}:m`, `wslab:{room}:c`. */
export function roomKeys(room: string, prefix: string = DEFAULT_KEY_PREFIX): RoomKeys {
  const base = `${prefix}:{${room}}:`;
  return { stream: `${base}s`, meta: `${base}m`, channel: `${base}c` };
}

/** The one general channel of broadcast mode (every replica subscribes, filters locally). */
export function broadcastChannel(prefix: string = DEFAULT_KEY_PREFIX): string {
  return `${prefix}:broadcast`;
}

/** The room of a per-room channel name, or undefined when `channel` is not one of ours. */
export function roomOfChannel(channel: string, prefix: string = DEFAULT_KEY_PREFIX): string | undefined {
  const head = `${prefix}:{`;
  if (!channel.startsWith(head) || !channel.endsWith('}:c')) return undefined;
  return channel.slice(head.length, -3);
}

/** CRC16-CCITT (XMODEM) table, as Redis Cluster uses for key slots. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i += 1) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit += 1)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/**
 * The Redis Cluster slot (0–16383) of a key or sharded channel: CRC16 of the
 * hash tag when the key has a non-empty `{…}`, else of the whole key. For the
 * lab (which shard holds a room) and tests; clients route by themselves.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8'))
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc % 16384;
}
