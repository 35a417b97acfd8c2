/**
 * connect_ramp: open N idle connections at a given rate and hold them. Measures handshake
 * latency, failures, the connection rate reached and the server's memory per connection
 * (RSS growth from before the ramp to the plateau).
 */
import type { ScenarioDefinition } from './definition.js';

export interface ConnectRampParams {
  /** Connections to open in total (all shards together). */
  connections: number;
  /** Connections started per second (all shards together). */
  ratePerS: number;
  /** How long to hold the plateau before sampling memory and closing. */
  holdMs: number;
  /** A handshake slower than this counts as a failure. */
  handshakeTimeoutMs: number;
  /** Join one room per connection (a realistic idle client) instead of a bare socket. */
  joinRoom: boolean;
}

export const connectRamp: ScenarioDefinition<ConnectRampParams> = {
  name: 'connect_ramp',
  description: 'ramp to N idle connections: handshake latency, failures, server memory per connection',
  defaults: {
    connections: 1_000,
    ratePerS: 500,
    holdMs: 2_000,
    handshakeTimeoutMs: 10_000,
    joinRoom: true,
  },
  thresholds: [
    { metric: 'connect_failures', stat: 'value', op: '==', value: 0 },
    { metric: 'handshake_ms', stat: 'p99', op: '<', value: 2_000 },
  ],
  counts: [
    'handshake_ms',
    'connections_opened',
    'connect_failures',
    'connect_rate',
    'server_memory_per_connection',
  ],
};
