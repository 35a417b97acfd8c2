import { pino } from 'pino';
import type { Config } from './config.js';

export type Logger = pino.Logger;

/**
 * JSON logs on stdout. Nothing is logged per message at info: per-frame events
 * are metrics; logs are for lifecycle (listening, draining) and rare faults.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'instanceId'>): Logger {
  return pino({ level: config.logLevel, base: { instance: config.instanceId } });
}
