/**
 * failover: a steady fan-out while something outside the runner fails a component (a replica,
 * a Redis master, a proxy). Clients reconnect with backoff and resume from the last offset they
 * saw; the scenario measures per-client time from disconnect to resumed delivery, messages lost,
 * duplicated and recovered through resume, and the time until every client is back.
 */
import {
  type ScenarioDefinition,
  STREAM_CHOICES,
  STREAM_COUNTS,
  STREAM_DEFAULTS,
  type StreamParams,
} from './definition.js';

export type FailoverParams = StreamParams;

export const failover: ScenarioDefinition<FailoverParams> = {
  name: 'failover',
  description: 'steady fan-out through an injected failure: reconnect/resume times, loss, recovery',
  defaults: {
    ...STREAM_DEFAULTS,
    subscribers: 200,
    ratePerPublisher: 10,
    durationMs: 20_000,
    settleTimeoutMs: 10_000,
    backoffInitialMs: 200,
  },
  thresholds: [
    { metric: 'messages_lost', stat: 'value', op: '==', value: 0 },
    { metric: 'messages_duplicated', stat: 'value', op: '==', value: 0 },
    { metric: 'clients_not_back', stat: 'value', op: '==', value: 0 },
    { metric: 'all_back_ms', stat: 'value', op: '<', value: 15_000 },
  ],
  choices: STREAM_CHOICES,
  counts: [
    ...STREAM_COUNTS,
    'reconnect_ms',
    'resume_delivery_ms',
    'clients_disconnected',
    'clients_not_back',
    'all_back_ms',
    'resume_missed',
    'messages_unexpected',
  ],
};
