/**
 * Who goes where: room names and the assignment of publishers and subscribers to rooms and
 * to target URLs. Deterministic, so the Node runner's shards and k6's VUs agree without talking.
 * Pure: no Node or k6 imports.
 */

/** Room `index` of a run; the run id keeps concurrent or repeated runs apart. */
export function roomName(runId: string, index: number): string {
  return `lt-${runId}-${index}`;
}

/** Subscriber `index` joins room `index mod rooms`, so rooms get equal audiences. */
export function subscriberRoom(index: number, rooms: number): number {
  return index % rooms;
}

/** Publisher `index` publishes into room `index mod rooms`. */
export function publisherRoom(index: number, rooms: number): number {
  return index % rooms;
}

export function publisherId(index: number): string {
  return `p${index}`;
}

/**
 * Target URL of client `index` among `urlCount` targets. Publishers are offset by one so that,
 * with several replicas, a room's publisher and most of its subscribers sit on different
 * replicas and messages cross the bus.
 */
export function urlIndexFor(role: 'publisher' | 'subscriber', index: number, urlCount: number): number {
  return (index + (role === 'publisher' ? 1 : 0)) % urlCount;
}

/** A short random run id ([a-z0-9], room-name safe). */
export function newRunId(random: () => number = Math.random): string {
  let id = '';
  for (let i = 0; i < 8; i += 1) id += Math.floor(random() * 36).toString(36);
  return id;
}

/**
 * The target URL with `room=<room>` added to its query (existing parameters and fragment kept),
 * so a proxy in `room` stickiness (HAProxy `balance url_param room`, Nginx `hash $arg_room`)
 * sends every client of a room to the same replica. A URL that already carries a `room`
 * parameter is returned unchanged: the caller chose the key. `room` undefined (a client in no
 * room) leaves the URL as it is.
 */
export function withRoomParam(url: string, room: string | undefined): string {
  if (room === undefined) return url;
  const hashAt = url.indexOf('#');
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = base.indexOf('?');
  const query = queryAt === -1 ? '' : base.slice(queryAt + 1);
  if (query.split('&').some((pair) => pair === 'room' || pair.startsWith('room='))) return url;
  const separator = queryAt === -1 ? '?' : query === '' || query.endsWith('&') ? '' : '&';
  return `${base}${separator}room=${encodeURIComponent(room)}${fragment}`;
}

/**
 * The room a client's connection is keyed on for room stickiness: its only room, or for a
 * client in several rooms the first (the proxy can pin a connection to one replica only);
 * undefined for a client in none.
 */
export function stickyRoomOf(rooms: readonly string[]): string | undefined {
  return rooms[0];
}
