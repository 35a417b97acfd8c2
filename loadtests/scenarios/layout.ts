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
