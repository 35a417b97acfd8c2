/**
 * What nginx-prometheus-exporter makes of Nginx OSS's stub_status page (its metric names, from
 * the exporter's README): Prometheus reads Nginx through it, so these are the names a dashboard
 * can query. Parsing the real page shows that each one has a field behind it.
 */
export function stubStatusAsExporterMetrics(text: string): Record<string, number> {
  const active = /Active connections:\s*(\d+)/.exec(text);
  const totals = /server accepts handled requests\s*\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(text);
  const states = /Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)/.exec(text);
  if (!active || !totals || !states) throw new Error(`not a stub_status page:\n${text}`);
  return {
    nginx_up: 1,
    nginx_connections_active: Number(active[1]),
    nginx_connections_accepted: Number(totals[1]),
    nginx_connections_handled: Number(totals[2]),
    nginx_http_requests_total: Number(totals[3]),
    nginx_connections_reading: Number(states[1]),
    nginx_connections_writing: Number(states[2]),
    nginx_connections_waiting: Number(states[3]),
  };
}

/**
 * Metric names a Prometheus text body exports: every sample's name, and every declared (`# TYPE`)
 * family with the series it has (a labelled counter declares itself before its first sample;
 * a histogram exports `_bucket`, `_sum` and `_count`).
 */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)/.exec(line);
    if (declared) {
      const [, name, type] = declared;
      names.add(name!);
      if (type === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
