import { InvalidArgumentError } from 'commander';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `10m`, `1h`, `500ms` or plain milliseconds → ms; anything else is a CLI error. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const value = match ? Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS] : Number.NaN;
  if (!Number.isFinite(value) || value < 1_000) {
    throw new InvalidArgumentError(`"${text}" is not a duration of at least 1s (e.g. 90s, 10m)`);
  }
  return Math.round(value);
}
