import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads ms, s, m and h', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2500')).toBe(2_500);
  });
  it('rejects garbage and durations under a second with one message', () => {
    for (const bad of ['ten', '10x', '-5m', '500ms', '']) {
      expect(() => parseDuration(bad)).toThrow(/is not a duration of at least 1s/);
    }
  });
});
