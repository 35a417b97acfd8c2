/**
 * The Grafana dashboard for Docker users who run Prometheus: the service's metrics (every
 * replica's /metrics), HAProxy's (its prometheus-exporter on the stats port) and Nginx's
 * (stub_status, read through nginx-prometheus-exporter), defined as code with Grafana's
 * foundation SDK. `npm run grafana:dashboard` writes it to infra/grafana/wslab-dashboard.json.
 */
import {
  type Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The Prometheus data source, picked from a dashboard variable. */
const DATASOURCE_VARIABLE = 'datasource';
// Grafana's variable syntax: `${datasource}`
const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

interface Query {
  expr: string;
  legend: string;
}

/** A time series panel of PromQL queries. */
function timeseries(title: string, unit: string, queries: Query[], description = ''): TimeseriesBuilder {
  const panel = new TimeseriesBuilder()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(DATASOURCE)
    .height(8)
    .span(12);
  for (const [index, query] of queries.entries()) {
    panel.withTarget(
      new DataqueryBuilder()
        .expr(query.expr)
        .legendFormat(query.legend)
        .refId(String.fromCharCode(65 + index)),
    );
  }
  return panel;
}

/** A single-number panel. */
function stat(title: string, unit: string, expr: string): StatBuilder {
  return new StatBuilder()
    .title(title)
    .unit(unit)
    .datasource(DATASOURCE)
    .height(4)
    .span(6)
    .withTarget(new DataqueryBuilder().expr(expr).refId('A'));
}

const rate = (metric: string) => `rate(${metric}[$__rate_interval])`;

/** The dashboard: one row per part (service, HAProxy, Nginx). */
export function wslabDashboard(): Dashboard {
  return new DashboardBuilder('wslab: WebSocket fan-out, HAProxy and Nginx')
    .uid('wslab-overview')
    .tags(['wslab', 'websocket', 'generated'])
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Prometheus').type('prometheus'))
    .withRow(new RowBuilder('Service (every replica)'))
    .withPanel(stat('Connections', 'short', 'sum(wslab_connections_open)'))
    .withPanel(stat('Deliveries / s', 'short', `sum(${rate('wslab_messages_delivered_total')})`))
    .withPanel(
      stat(
        'Fan-out p99',
        's',
        `histogram_quantile(0.99, sum by (le) (${rate('wslab_publish_to_deliver_seconds_bucket')}))`,
      ),
    )
    .withPanel(stat('Replicas with Redis up', 'short', 'sum(wslab_redis_up)'))
    .withPanel(
      timeseries('Connections per replica', 'short', [
        { expr: 'sum by (instance) (wslab_connections_open)', legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Deliveries and publishes / s', 'short', [
        { expr: `sum(${rate('wslab_messages_delivered_total')})`, legend: 'delivered' },
        { expr: `sum by (source) (${rate('wslab_publishes_total')})`, legend: 'published ({{source}})' },
      ]),
    )
    .withPanel(
      timeseries(
        'Fan-out latency (publish at the origin replica → local delivery)',
        's',
        [0.5, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le) (${rate('wslab_publish_to_deliver_seconds_bucket')}))`,
          legend: `p${q * 100}`,
        })),
      ),
    )
    .withPanel(
      timeseries('Close codes sent / s', 'short', [
        { expr: `sum by (code) (${rate('wslab_close_codes_sent_total')})`, legend: '{{code}}' },
      ]),
    )
    .withPanel(
      timeseries('Bad input and overload / s', 'short', [
        { expr: `sum by (code) (${rate('wslab_protocol_errors_total')})`, legend: 'protocol error {{code}}' },
        {
          expr: `sum by (reason) (${rate('wslab_upgrades_rejected_total')})`,
          legend: 'upgrade rejected {{reason}}',
        },
        { expr: `sum(${rate('wslab_slow_consumers_dropped_total')})`, legend: 'slow consumer closed (1013)' },
        { expr: `sum(${rate('wslab_bus_decode_errors_total')})`, legend: 'bus decode error' },
      ]),
    )
    .withPanel(
      timeseries('Replica CPU and memory', 'short', [
        {
          expr: `sum by (instance) (${rate('process_cpu_seconds_total')})`,
          legend: 'CPU cores {{instance}}',
        },
        { expr: 'nodejs_eventloop_lag_p99_seconds', legend: 'event loop lag p99 (s) {{instance}}' },
      ]),
    )
    .withRow(new RowBuilder('HAProxy'))
    .withPanel(
      timeseries('HAProxy sessions', 'short', [
        { expr: 'haproxy_frontend_current_sessions{proxy="ws_in"}', legend: 'frontend ws_in' },
        { expr: 'haproxy_server_current_sessions{proxy="replicas"}', legend: '{{server}}' },
      ]),
    )
    .withPanel(
      timeseries('HAProxy backends', 'short', [
        { expr: 'haproxy_backend_active_servers{proxy="replicas"}', legend: 'servers up' },
        {
          expr: `sum by (server) (${rate('haproxy_server_connection_errors_total')})`,
          legend: 'connect errors {{server}}',
        },
        {
          expr: `sum by (server) (${rate('haproxy_server_check_failures_total')})`,
          legend: 'check failures {{server}}',
        },
      ]),
    )
    .withPanel(
      timeseries('HAProxy connections / s and bytes', 'short', [
        { expr: `${rate('haproxy_frontend_connections_total')}`, legend: 'connections/s {{proxy}}' },
        { expr: `${rate('haproxy_frontend_bytes_out_total')}`, legend: 'bytes out/s {{proxy}}' },
      ]),
    )
    .withRow(new RowBuilder('Nginx (stub_status via nginx-prometheus-exporter)'))
    .withPanel(
      timeseries('Nginx connections', 'short', [
        { expr: 'nginx_connections_active', legend: 'active' },
        { expr: 'nginx_connections_reading', legend: 'reading' },
        { expr: 'nginx_connections_writing', legend: 'writing' },
        { expr: 'nginx_connections_waiting', legend: 'waiting' },
      ]),
    )
    .withPanel(
      timeseries('Nginx accepted, handled, requests / s', 'short', [
        { expr: rate('nginx_connections_accepted'), legend: 'accepted' },
        { expr: rate('nginx_connections_handled'), legend: 'handled' },
        { expr: rate('nginx_http_requests_total'), legend: 'requests' },
      ]),
    )
    .build();
}

/** Every metric name a dashboard's queries read (PromQL identifiers of the three exporters). */
export function queriedMetrics(dashboard: Dashboard): string[] {
  const text = JSON.stringify(dashboard);
  const exprs = [...text.matchAll(/"expr":"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? '');
  const names = exprs.flatMap((expr) => [
    ...expr.matchAll(/\b((?:wslab|haproxy|nginx|process|nodejs)_[a-z0-9_]+)\b/g),
  ]);
  return [...new Set(names.map((match) => match[1]!))].sort();
}
