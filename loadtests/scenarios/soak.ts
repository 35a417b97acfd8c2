/**
 * soak: a bounded steady load (moderate rate, long window) sampled over time: server memory and
 * delivery latency per interval, so leaks and slow drifts show up as a slope.
 */
import {
  type ScenarioDefinition,
  STREAM_CHOICES,
  STREAM_COUNTS,
  STREAM_DEFAULTS,
  type StreamParams,
} from './definition.js';

export type SoakParams = StreamParams;

export const soak: ScenarioDefinition<SoakParams> = {
  name: 'soak',
  description: 'bounded steady fan-out over a long window: memory and latency over time',
  defaults: {
    ...STREAM_DEFAULTS,
    subscribers: 200,
    ratePerPublisher: 10,
    durationMs: 120_000,
    sampleEveryMs: 10_000,
  },
  thresholds: [
    { metric: 'delivery_latency_ms', stat: 'p99', op: '<', value: 1_000 },
    { metric: 'messages_lost', stat: 'value', op: '==', value: 0 },
    { metric: 'server_rss_growth_ratio', stat: 'value', op: '<', value: 1.5 },
  ],
  choices: STREAM_CHOICES,
  counts: [...STREAM_COUNTS, 'server_rss_growth_ratio'],
};
