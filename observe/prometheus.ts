/**
 * Sum of the samples of metric `name` in Prometheus text exposition (all label
 * sets, or only those whose labels contain `labelFilter` such as `proxy="ws_in"`),
 * or undefined when the metric is absent. Enough for the few counters
 * and gauges the lab reads; not a general parser.
 */
export function metricValue(text: string, name: string, labelFilter?: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    // exact name: followed by labels or a space (not wslab_connections_open_total)
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    if (labelFilter !== undefined && !rest.includes(labelFilter)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/** GET `url` with a timeout; the text body, or undefined on any failure. */
export async function fetchText(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}
