/**
 * fanout: P publishers, S subscribers, R rooms, a rate per publisher and a message size.
 * Measures delivery latency (send time in the payload), delivered messages/s, and exact loss,
 * duplicates and out-of-order deliveries (per-publisher sequence numbers).
 */
import {
  type ScenarioDefinition,
  STREAM_CHOICES,
  STREAM_COUNTS,
  STREAM_DEFAULTS,
  type StreamParams,
} from './definition.js';

export type FanoutParams = StreamParams;

export const fanout: ScenarioDefinition<FanoutParams> = {
  name: 'fanout',
  description: 'P publishers → R rooms → S subscribers: latency, delivered/s, loss, duplicates, order',
  defaults: STREAM_DEFAULTS,
  thresholds: [
    { metric: 'delivery_latency_ms', stat: 'p99', op: '<', value: 1_000 },
    { metric: 'messages_lost', stat: 'value', op: '==', value: 0 },
    { metric: 'messages_duplicated', stat: 'value', op: '==', value: 0 },
    { metric: 'connect_failures', stat: 'value', op: '==', value: 0 },
  ],
  choices: STREAM_CHOICES,
  counts: STREAM_COUNTS,
};
