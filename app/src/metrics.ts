import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BusState } from './bus/bus.js';

/** Every metric of one service instance, in its own registry (tests run several in one process). */
export interface Metrics {
  registry: Registry;
  connectionsOpen: Gauge;
  roomsLocal: Gauge;
  framesIn: Counter;
  framesOut: Counter;
  messagesDelivered: Counter;
  publishes: Counter<'source'>;
  deliverLatency: Histogram;
  slowConsumersDropped: Counter;
  protocolErrors: Counter<'code'>;
  closeCodesSent: Counter<'code'>;
  upgradesRejected: Counter<'reason'>;
  busState: Gauge<'state'>;
  redisUp: Gauge;
  busDecodeErrors: Counter;
}

const BUS_STATES: BusState[] = ['connecting', 'ready', 'reconnecting', 'closed'];

/** Builds the registry. Metric names are part of the lab's contract (reports read them). */
export function createMetrics(instanceId: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ instance: instanceId });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    connectionsOpen: new Gauge({
      name: 'wslab_connections_open',
      help: 'Open WebSocket connections',
      registers,
    }),
    roomsLocal: new Gauge({
      name: 'wslab_rooms_local',
      help: 'Rooms with at least one local member',
      registers,
    }),
    framesIn: new Counter({ name: 'wslab_frames_in_total', help: 'Frames received from clients', registers }),
    framesOut: new Counter({ name: 'wslab_frames_out_total', help: 'Frames sent to clients', registers }),
    messagesDelivered: new Counter({
      name: 'wslab_messages_delivered_total',
      help: 'msg frames sent to local clients (one per recipient)',
      registers,
    }),
    publishes: new Counter({
      name: 'wslab_publishes_total',
      help: 'Publishes accepted by the bus, by source (ws|http)',
      labelNames: ['source'],
      registers,
    }),
    deliverLatency: new Histogram({
      name: 'wslab_publish_to_deliver_seconds',
      help: 'Time from publish at the origin replica (bus ts) to local fan-out',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    slowConsumersDropped: new Counter({
      name: 'wslab_slow_consumers_dropped_total',
      help: 'Connections closed with 1013 because their send buffer went over SEND_BUFFER_MAX_BYTES',
      registers,
    }),
    protocolErrors: new Counter({
      name: 'wslab_protocol_errors_total',
      help: 'Bad client input, by error code or close reason',
      labelNames: ['code'],
      registers,
    }),
    closeCodesSent: new Counter({
      name: 'wslab_close_codes_sent_total',
      help: 'Close codes the server sent (or ended the connection with)',
      labelNames: ['code'],
      registers,
    }),
    upgradesRejected: new Counter({
      name: 'wslab_upgrades_rejected_total',
      help: 'HTTP upgrades refused, by reason',
      labelNames: ['reason'],
      registers,
    }),
    busState: new Gauge({
      name: 'wslab_bus_state',
      help: 'Bus connection state (1 for the current state)',
      labelNames: ['state'],
      registers,
    }),
    redisUp: new Gauge({ name: 'wslab_redis_up', help: '1 when the bus is ready', registers }),
    busDecodeErrors: new Counter({
      name: 'wslab_bus_decode_errors_total',
      help: 'Bus payloads that could not be decoded (dropped)',
      registers,
    }),
  };
  return metrics;
}

/** Records the bus state as a one-hot gauge plus wslab_redis_up. */
export function recordBusState(metrics: Metrics, state: BusState): void {
  for (const candidate of BUS_STATES) metrics.busState.set({ state: candidate }, candidate === state ? 1 : 0);
  metrics.redisUp.set(state === 'ready' ? 1 : 0);
}
