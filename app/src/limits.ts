/**
 * A token bucket: `capacity` tokens, refilled continuously at `ratePerS`.
 * Time is passed in so tests control it.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(
    private readonly ratePerS: number,
    private readonly capacity: number,
    nowMs: number = Date.now(),
  ) {
    this.tokens = capacity;
    this.updatedAtMs = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number = Date.now()): boolean {
    const elapsedMs = nowMs - this.updatedAtMs;
    if (elapsedMs > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerS) / 1000);
      this.updatedAtMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type PublishVerdict = 'allowed' | 'rate_limited' | 'abusive';

/**
 * Per-connection publish limit. Over the rate a publish gets `rate_limited`;
 * every rejected publish also drains a second bucket of the same size and rate,
 * so a client that keeps sending at more than twice the allowed rate for longer
 * than one burst is `abusive` (closed with 1008). A client that merely bursts
 * and backs off never is.
 */
export class PublishLimiter {
  private readonly allowed: TokenBucket;
  private readonly tolerance: TokenBucket;

  constructor(ratePerS: number, burst: number, nowMs: number = Date.now()) {
    this.allowed = new TokenBucket(ratePerS, burst, nowMs);
    this.tolerance = new TokenBucket(ratePerS, burst, nowMs);
  }

  check(nowMs: number = Date.now()): PublishVerdict {
    if (this.allowed.take(nowMs)) return 'allowed';
    return this.tolerance.take(nowMs) ? 'rate_limited' : 'abusive';
  }
}
