/**
 * Scenario parameters from k6 environment variables: each parameter's UPPER_SNAKE name
 * (`-e SUBSCRIBERS=500 -e RATE_PER_PUBLISHER=20`), over the shared defaults.
 */

import { SCHEDULING_LAG_P99_BOUND_MS } from '../../scenarios/arrivals.js';
import { seedFromText } from '../../scenarios/prng.js';

const upperSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export function paramsFromEnv<P extends object>(
  defaults: Readonly<P>,
  choices: Readonly<Record<string, readonly string[]>> = {},
): P {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(defaults)) {
    const raw = __ENV[upperSnake(key)];
    if (raw === undefined || raw === '') continue;
    const allowed = choices[key];
    if (allowed) {
      if (!allowed.includes(raw)) throw new Error(`${upperSnake(key)}: one of ${allowed.join(', ')}: ${raw}`);
      out[key] = raw;
    } else if (typeof value === 'boolean') out[key] = raw === 'true' || raw === '1';
    else {
      const parsed = Number(raw);
      if (!Number.isFinite(parsed)) throw new Error(`${upperSnake(key)}: not a number: ${raw}`);
      out[key] = parsed;
    }
  }
  return out as P;
}

/** Target URLs: `-e URL=ws://host:port/ws` (a comma list spreads clients over several). */
export function targetUrls(): string[] {
  const urls = (__ENV.URL ?? 'ws://127.0.0.1:8080/ws').split(',').filter((u) => u !== '');
  if (urls.length === 0) throw new Error('URL: at least one WebSocket URL');
  return urls;
}

/** Bound on the publishers' scheduling lag p99 (a threshold): `-e MAX_LAG_P99_MS=…`. */
export function maxLagP99Ms(): number {
  const raw = __ENV.MAX_LAG_P99_MS;
  if (raw === undefined || raw === '') return SCHEDULING_LAG_P99_BOUND_MS;
  const parsed = Number(raw);
  if (!(parsed > 0)) throw new Error(`MAX_LAG_P99_MS: a positive number of ms: ${raw}`);
  return parsed;
}

/** Seed of the Poisson arrival gaps: `-e ARRIVAL_SEED=…`, else derived from the run id. */
export function arrivalSeed(): number {
  const raw = __ENV.ARRIVAL_SEED;
  if (raw === undefined || raw === '') return seedFromText(runId());
  const parsed = Number(raw);
  if (!Number.isInteger(parsed)) throw new Error(`ARRIVAL_SEED: an integer: ${raw}`);
  return parsed;
}

/** Run id shared by every VU of a run (rooms are named after it). */
export function runId(): string {
  return __ENV.RUN_ID ?? 'k6';
}
