/**
 * Scenario parameters from k6 environment variables: each parameter's UPPER_SNAKE name
 * (`-e SUBSCRIBERS=500 -e RATE_PER_PUBLISHER=20`), over the shared defaults.
 */

const upperSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export function paramsFromEnv<P extends object>(defaults: Readonly<P>): P {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(defaults)) {
    const raw = __ENV[upperSnake(key)];
    if (raw === undefined || raw === '') continue;
    if (typeof value === 'boolean') out[key] = raw === 'true' || raw === '1';
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

/** Run id shared by every VU of a run (rooms are named after it). */
export function runId(): string {
  return __ENV.RUN_ID ?? 'k6';
}
