/**
 * The metric catalogue: one name, unit and meaning per metric, shared by the Node runner
 * and the k6 scripts so that both report the same thing under the same name.
 * Pure data: no Node or k6 imports (k6 bundles this file).
 */

/** Units used in results. `1` is a dimensionless ratio. */
export type MetricUnit = 'ms' | 'count' | 'msg/s' | 'bytes' | 'bytes/connection' | 'cores' | '1' | 'conn/s';

/** How a metric is aggregated: a distribution has percentiles; the others are one number. */
export type MetricKind = 'distribution' | 'counter' | 'gauge' | 'rate';

export interface MetricSpec {
  unit: MetricUnit;
  kind: MetricKind;
  description: string;
}

export const METRICS = {
  delivery_latency_ms: {
    unit: 'ms',
    kind: 'distribution',
    description:
      'intended send time (the slot in the arrival schedule, in the payload) to subscriber receipt, live messages only',
  },
  scheduling_lag_ms: {
    unit: 'ms',
    kind: 'distribution',
    description: 'load generator lateness: actual − intended send time of every scheduled publish',
  },
  publish_ack_ms: {
    unit: 'ms',
    kind: 'distribution',
    description: 'intended send time of a pub frame to its ack received',
  },
  handshake_ms: {
    unit: 'ms',
    kind: 'distribution',
    description: 'TCP connect + WebSocket upgrade until open',
  },
  reconnect_ms: {
    unit: 'ms',
    kind: 'distribution',
    description: 'per client: connection lost to room re-joined (joined frame)',
  },
  resume_delivery_ms: {
    unit: 'ms',
    kind: 'distribution',
    description: 'per client: connection lost to the first message delivered after re-joining',
  },
  messages_published: {
    unit: 'count',
    kind: 'counter',
    description: 'pub frames acknowledged by the server',
  },
  messages_unacked: {
    unit: 'count',
    kind: 'counter',
    description: 'pub frames sent whose ack never came (connection lost); not expected by subscribers',
  },
  publish_skipped: {
    unit: 'count',
    kind: 'counter',
    description: 'publishes not attempted because the publisher was disconnected',
  },
  publish_errors: { unit: 'count', kind: 'counter', description: 'pub frames answered with an error frame' },
  messages_expected: {
    unit: 'count',
    kind: 'counter',
    description: 'sum over subscribers of the acked messages published into their rooms',
  },
  messages_delivered: {
    unit: 'count',
    kind: 'counter',
    description: 'msg frames received by subscribers (including duplicates and replays)',
  },
  delivered_per_s: {
    unit: 'msg/s',
    kind: 'rate',
    description: 'messages_delivered / (first publish → last delivery, at least the publishing window)',
  },
  messages_lost: {
    unit: 'count',
    kind: 'counter',
    description: 'acked messages a subscriber never received (exact: publishers report what was acked)',
  },
  loss_ratio: { unit: '1', kind: 'gauge', description: 'messages_lost / messages_expected' },
  messages_duplicated: {
    unit: 'count',
    kind: 'counter',
    description: 'deliveries of a (publisher, sequence) the subscriber had already received',
  },
  messages_out_of_order: {
    unit: 'count',
    kind: 'counter',
    description: 'first deliveries with a sequence lower than one already received from that publisher',
  },
  messages_recovered: {
    unit: 'count',
    kind: 'counter',
    description: 'messages delivered by history replay after a resume (join with since)',
  },
  messages_unexpected: {
    unit: 'count',
    kind: 'counter',
    description: 'deliveries of a message whose publish was never acked (sent just before a failure)',
  },
  resume_missed: {
    unit: 'count',
    kind: 'counter',
    description: 'rejoins the server answered with missed=true (resume point no longer in history)',
  },
  connections_opened: { unit: 'count', kind: 'counter', description: 'successful WebSocket handshakes' },
  connect_failures: { unit: 'count', kind: 'counter', description: 'handshakes that failed or timed out' },
  connections_peak: { unit: 'count', kind: 'gauge', description: 'most clients open at the same time' },
  reconnects: { unit: 'count', kind: 'counter', description: 'connections re-established after a loss' },
  disconnects: { unit: 'count', kind: 'counter', description: 'unexpected connection losses' },
  clients_disconnected: {
    unit: 'count',
    kind: 'counter',
    description: 'clients that lost their connection at least once',
  },
  clients_not_back: {
    unit: 'count',
    kind: 'counter',
    description: 'clients that lost their connection and were not re-joined by the end',
  },
  all_back_ms: {
    unit: 'ms',
    kind: 'gauge',
    description: 'first connection loss to the last client re-joined (0 when nobody disconnected)',
  },
  connect_rate: {
    unit: 'conn/s',
    kind: 'rate',
    description: 'handshakes completed per second during the ramp',
  },
  server_memory_per_connection: {
    unit: 'bytes/connection',
    kind: 'gauge',
    description: 'server RSS growth from before the ramp to the plateau, divided by open connections',
  },
  server_rss_start_bytes: { unit: 'bytes', kind: 'gauge', description: 'server RSS before the load' },
  server_rss_peak_bytes: { unit: 'bytes', kind: 'gauge', description: 'highest server RSS sampled' },
  server_rss_end_bytes: { unit: 'bytes', kind: 'gauge', description: 'server RSS at the end of the load' },
  server_rss_growth_ratio: {
    unit: '1',
    kind: 'gauge',
    description: 'server RSS in the last sample / in the first sample under load (soak)',
  },
  server_cpu_cores: {
    unit: 'cores',
    kind: 'gauge',
    description: 'server CPU seconds / wall seconds over the measured window (sum over server processes)',
  },
  runner_cpu_cores: {
    unit: 'cores',
    kind: 'gauge',
    description: 'runner CPU seconds / wall seconds over the measured window (all runner processes)',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
