import { DEFAULT_KEY_PREFIX } from '../contracts/redis-keys.js';

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
  /**
   * Replicas that must confirm a stored publish (Redis WAIT) before it is
   * acknowledged. Default 0: asynchronous replication, where a master killed
   * within its replication lag can lose the last acknowledged entries. With 1,
   * a publish fails as unavailable when no replica confirms in time (for
   * example right after a failover, until the old master rejoins as a replica).
   */
  replicaAcks?: number;
  /** How long WAIT may take when replicaAcks > 0. Default 200 ms. */
  replicaAckTimeoutMs?: number;
}

export type ResolvedBusOptions = Required<BusOptions>;

export const BUS_DEFAULTS = {
  keyPrefix: DEFAULT_KEY_PREFIX,
  history: true,
  historySize: 1000,
  historyTtlS: 3600,
  dropOwnEchoes: false,
  operationTimeoutMs: 3000,
  replicaAcks: 0,
  replicaAckTimeoutMs: 200,
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
    replicaAcks: options.replicaAcks ?? BUS_DEFAULTS.replicaAcks,
    replicaAckTimeoutMs: options.replicaAckTimeoutMs ?? BUS_DEFAULTS.replicaAckTimeoutMs,
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
  if (!Number.isInteger(resolved.replicaAcks) || resolved.replicaAcks < 0) {
    throw new TypeError('bus: replicaAcks must be an integer >= 0');
  }
  if (!Number.isInteger(resolved.replicaAckTimeoutMs) || resolved.replicaAckTimeoutMs < 1) {
    throw new TypeError('bus: replicaAckTimeoutMs must be an integer >= 1');
  }
  if (resolved.replicaAcks > 0 && resolved.replicaAckTimeoutMs >= resolved.operationTimeoutMs) {
    throw new TypeError('bus: replicaAckTimeoutMs must be below operationTimeoutMs');
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
