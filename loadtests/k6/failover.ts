/**
 * k6: failover. A steady fan-out for DURATION_MS while you fail a component from outside
 * (kill a replica, a Redis master, reload a proxy); clients reconnect with backoff and resume.
 * Same parameters, payload and metric names as `npx tsx loadtests/cli.ts failover`.
 */
import { failover } from '../scenarios/failover.js';
import { maxLagP99Ms, paramsFromEnv } from './lib/env.js';
import { publisherFlow, subscriberFlow } from './lib/stream.js';
import { streamOptions } from './options.js';

const params = paramsFromEnv(failover.defaults, failover.choices);

export const options = streamOptions(failover, params, maxLagP99Ms());

export function subscriber(): void {
  subscriberFlow(params);
}

export function publisher(): void {
  publisherFlow(params);
}
