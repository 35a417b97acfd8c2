/**
 * Reconnect delays: exponential growth with full jitter (AWS "Exponential Backoff And Jitter"),
 * so a crowd of clients that lost the same replica does not come back in lockstep.
 */
export interface BackoffOptions {
  /** Cap of the first delay. */
  initialMs: number;
  /** Ceiling of every delay. */
  maxMs: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
}

/** Delay before reconnect attempt `attempt` (0-based): uniform in [0, min(max, initial·factor^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const factor = options.factor ?? 2;
  const cap = Math.min(options.maxMs, options.initialMs * factor ** Math.max(0, attempt));
  return Math.floor(random() * cap);
}
