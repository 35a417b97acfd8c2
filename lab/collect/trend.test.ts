import { describe, expect, it } from 'vitest';
import { judgeTrend, slopePerMinute } from './trend.js';

describe('slopePerMinute', () => {
  it('fits a line through noisy points', () => {
    const times = [0, 60_000, 120_000, 180_000];
    expect(slopePerMinute(times, [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slopePerMinute(times, [10, 11, 9, 10])).toBeCloseTo(-0.2);
    expect(slopePerMinute([0], [1])).toBeNaN();
  });
});

describe('judgeTrend', () => {
  const threshold = { fractionPer10Min: 0.1, floorPer10Min: 2 };
  const times = Array.from({ length: 11 }, (_, index) => index * 60_000);
  it('flags a series growing faster than 10% of its mean per 10 minutes', () => {
    const leaking = times.map((_, index) => 100 + index * 3);
    expect(judgeTrend(times, leaking, threshold)).toMatchObject({ grows: true });
    expect(judgeTrend(times, leaking, threshold).growthPer10Min).toBeCloseTo(30);
  });
  it('leaves a flat sawtooth and a small series under the floor alone', () => {
    const sawtooth = times.map((_, index) => 100 + (index % 2 === 0 ? 4 : -4));
    expect(judgeTrend(times, sawtooth, threshold).grows).toBe(false);
    const tiny = times.map((_, index) => 5 + index * 0.15);
    expect(judgeTrend(times, tiny, threshold).grows).toBe(false);
  });
});
