import { DEFAULT_KEY_PREFIX } from './keys.js';

/** Options every Bus implementation takes. */
export interface BusOptions {
  /** Instance id of this replica: stamped as `origin` on what it publishes. Required. */
  instanceId: string;
  /** Prefix of every Redis key and channel. Default `wslab`. */
  keyPrefix?: string;
  /** Store each publish in the room's capped stream (resume). Default true; false = plain at-most-once pub/sub. */
  history?: boolean;
  /** Entries kept per room (exact cap, XADD MAXLEN). Default 1000. */
  historySize?: number;
  /** A room's stream and meta expire this long after its last publish. Default 3600 s. */
  historyTtlS?: number;
  /** Drop entries whose origin is this instance (when the hub already delivered them locally). Default false. */
  dropOwnEchoes?: boolean;
  /**
   * Upper bound for one Redis operation (publish, read, subscribe); past it the
   * promise rejects with BusUnavailableError. Default 3000 ms.
   */
  operationTimeoutMs?: number;
}

export type ResolvedBusOptions = Required<BusOptions>;

export const BUS_DEFAULTS = {
  keyPrefix: DEFAULT_KEY_PREFIX,
  history: true,
  historySize: 1000,
  historyTtlS: 3600,
  dropOwnEchoes: false,
  operationTimeoutMs: 3000,
} as const satisfies Omit<ResolvedBusOptions, 'instanceId'>;

/** Merges defaults once and rejects bad values with one exact message each. */
export function resolveBusOptions(options: BusOptions): ResolvedBusOptions {
  const resolved: ResolvedBusOptions = {
    instanceId: options.instanceId,
    keyPrefix: options.keyPrefix ?? BUS_DEFAULTS.keyPrefix,
    history: options.history ?? BUS_DEFAULTS.history,
    historySize: options.historySize ?? BUS_DEFAULTS.historySize,
    historyTtlS: options.historyTtlS ?? BUS_DEFAULTS.historyTtlS,
    dropOwnEchoes: options.dropOwnEchoes ?? BUS_DEFAULTS.dropOwnEchoes,
    operationTimeoutMs: options.operationTimeoutMs ?? BUS_DEFAULTS.operationTimeoutMs,
  };
  if (typeof resolved.instanceId !== 'string' || resolved.instanceId.length === 0) {
    throw new TypeError('bus: instanceId must be a non-empty string');
  }
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(resolved.keyPrefix)) {
    throw new TypeError('bus: keyPrefix must be 1-64 of [A-Za-z0-9_.:-]');
  }
  if (!Number.isInteger(resolved.historySize) || resolved.historySize < 1) {
    throw new TypeError('bus: historySize must be an integer >= 1');
  }
  if (!Number.isInteger(resolved.historyTtlS) || resolved.historyTtlS < 1) {
    throw new TypeError('bus: historyTtlS must be an integer >= 1');
  }
  if (!Number.isInteger(resolved.operationTimeoutMs) || resolved.operationTimeoutMs < 1) {
    throw new TypeError('bus: operationTimeoutMs must be an integer >= 1');
  }
  return resolved;
}

/** A fresh epoch candidate: used only when a room has none yet (or lost it). */
export function newEpoch(): string {
  // 12 base-36 chars from two draws: unique enough to tell a recreated stream apart.
  return (
    Math.random().toString(36).slice(2, 8).padEnd(6, '0') +
    Math.random().toString(36).slice(2, 8).padEnd(6, '0')
  );
}
