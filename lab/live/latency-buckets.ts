/**
 * Cumulative Prometheus histogram buckets (`<name>_bucket{le="…"}`), summed over label sets and
 * replicas, and quantiles over the difference of two readings (what `histogram_quantile` over a
 * `rate` window does): the live view's rolling p50/p99 from the replicas' own histogram.
 */

/** Upper bound (seconds, +Inf last) → cumulative count. */
export type Buckets = Map<number, number>;

/** The buckets of histogram `name` in a Prometheus text body (empty when absent). */
export function parseBuckets(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le === undefined || !Number.isFinite(value)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  return buckets;
}

/** Adds `more` into `into` (summing replicas). */
export function addBuckets(into: Buckets, more: Buckets): Buckets {
  for (const [bound, count] of more) into.set(bound, (into.get(bound) ?? 0) + count);
  return into;
}

/**
 * The `q` quantile (0..1) of the observations between two readings, in ms, interpolated linearly
 * inside the bucket it falls in; undefined when nothing was observed. A bucket that went down (a
 * replica restarted and its counters began again) counts as its new value.
 */
export function quantileBetween(before: Buckets, after: Buckets, q: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => {
    const now = after.get(bound) ?? 0;
    const then = before.get(bound) ?? 0;
    return now >= then ? now - then : now;
  });
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let index = 0; index < bounds.length; index += 1) {
    if (counts[index]! < rank) continue;
    const upper = bounds[index]!;
    const lower = index === 0 ? 0 : bounds[index - 1]!;
    const below = index === 0 ? 0 : counts[index - 1]!;
    // the +Inf bucket has no upper edge: report its lower one
    if (!Number.isFinite(upper)) return lower * 1_000;
    const inBucket = counts[index]! - below;
    const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
    return (lower + (upper - lower) * fraction) * 1_000;
  }
  return undefined;
}
