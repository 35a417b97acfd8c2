import { describe, expect, it } from 'vitest';
import { PublishLimiter, TokenBucket } from '../src/limits.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(50)).toBe(false); // half a token
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(10_000)).toBe(true);
    expect([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)]).toEqual([true, true, false]);
  });
});

describe('PublishLimiter', () => {
  it('rate-limits past the burst and calls a sustained flood abusive', () => {
    const limiter = new PublishLimiter(10, 5, 0);
    const verdicts = Array.from({ length: 11 }, () => limiter.check(0));
    expect(verdicts.slice(0, 5)).toEqual(Array(5).fill('allowed'));
    expect(verdicts.slice(5, 10)).toEqual(Array(5).fill('rate_limited'));
    expect(verdicts[10]).toBe('abusive');
  });

  it('forgives a client that backs off', () => {
    const limiter = new PublishLimiter(10, 5, 0);
    for (let index = 0; index < 9; index += 1) limiter.check(0);
    expect(limiter.check(1_000)).toBe('allowed');
  });
});
