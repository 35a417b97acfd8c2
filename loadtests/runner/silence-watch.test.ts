import { afterEach, describe, expect, it, vi } from 'vitest';
import { SilenceWatch } from './silence-watch.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('SilenceWatch (the client heartbeat rule)', () => {
  it('gives the connection up once nothing was heard for the timeout, not before', async () => {
    vi.useFakeTimers();
    let silent = 0;
    const watch = new SilenceWatch(() => {
      silent += 1;
    });
    watch.start(3_000);
    // Frames every 2 s (the heartbeat) keep it alive however long it runs.
    for (let tick = 0; tick < 10; tick += 1) {
      await vi.advanceTimersByTimeAsync(2_000);
      watch.heard();
    }
    expect(silent).toBe(0);
    // Then the replica freezes: given up 3 s after the last frame, once.
    await vi.advanceTimersByTimeAsync(2_900);
    expect(silent).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(silent).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(silent).toBe(1);
  });

  it('watches nothing without a heartbeat (timeout 0) and nothing after stop', async () => {
    vi.useFakeTimers();
    let silent = 0;
    const watch = new SilenceWatch(() => {
      silent += 1;
    });
    watch.start(0);
    await vi.advanceTimersByTimeAsync(60_000);
    watch.start(1_000);
    watch.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(silent).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
