/**
 * k6: fan-out. P publishers, S subscribers, R rooms; same parameters, payload and metric names
 * as `npx tsx loadtests/cli.ts fanout`. Parameters: -e URL=… -e SUBSCRIBERS=… (see README).
 */
import { fanout } from '../scenarios/fanout.js';
import { maxLagP99Ms, paramsFromEnv } from './lib/env.js';
import { publisherFlow, subscriberFlow } from './lib/stream.js';
import { streamOptions } from './options.js';

const params = paramsFromEnv(fanout.defaults, fanout.choices);

export const options = streamOptions(fanout, params, maxLagP99Ms());

export function subscriber(): void {
  subscriberFlow(params);
}

export function publisher(): void {
  publisherFlow(params);
}
