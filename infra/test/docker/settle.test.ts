import { describe, expect, it } from 'vitest';
import { RegistrationActivity, settle } from './settle.js';

/** A fake clock: `sleep` advances it and runs what was scheduled by then. */
function fakeClock() {
  let nowMs = 0;
  const events: { atMs: number; run: () => void }[] = [];
  return {
    now: () => nowMs,
    at(atMs: number, run: () => void) {
      events.push({ atMs, run });
    },
    async sleep(ms: number) {
      nowMs += ms;
      for (const event of events.filter((e) => e.atMs <= nowMs)) {
        events.splice(events.indexOf(event), 1);
        event.run();
      }
      // Let a registration whose promise was just resolved run its `finally`.
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

/** A registration that ends when `finish` is called. */
function pendingRegistration(activity: RegistrationActivity): () => void {
  let finish!: () => void;
  void activity.track(() => new Promise<void>((resolve) => (finish = resolve)));
  return () => finish();
}

describe('settle: a failed run ends once nothing was registered for settleMs', () => {
  it('waits for a registration under way, then settleMs of quiet, after an early error', async () => {
    const clock = fakeClock();
    const activity = new RegistrationActivity(clock.now);
    const errors: unknown[] = [];
    const finish = pendingRegistration(activity);
    clock.at(1_000, () => errors.push(new Error('cluster job exited with 3')));
    clock.at(30_000, finish);
    await expect(
      settle({ errors, outputs: () => undefined }, activity, {
        settleMs: 10_000,
        pollMs: 200,
        sleep: clock.sleep,
      }),
    ).rejects.toThrow('cluster job exited with 3');
    // Not 10 s after the start, nor after the error: 10 s after the last registration ended.
    expect(clock.now()).toBeGreaterThanOrEqual(40_000);
    expect(clock.now()).toBeLessThan(40_500);
  });

  it('restarts the quiet window at every registration', async () => {
    const clock = fakeClock();
    const activity = new RegistrationActivity(clock.now);
    const errors: unknown[] = [new Error('first'), new Error('first'), 'second'];
    for (const atMs of [5_000, 12_000, 19_000])
      clock.at(atMs, () => void activity.track(async () => undefined));
    const failed = settle({ errors, outputs: () => undefined }, activity, {
      settleMs: 10_000,
      sleep: clock.sleep,
    });
    await expect(failed).rejects.toThrow(/^first\nsecond$/);
    expect(clock.now()).toBeGreaterThanOrEqual(29_000);
    expect(clock.now()).toBeLessThan(29_500);
  });

  it('returns the outputs once they resolved and nothing is under way', async () => {
    const clock = fakeClock();
    const activity = new RegistrationActivity(clock.now);
    let outputs: { wsUrl: string } | undefined;
    const finish = pendingRegistration(activity);
    clock.at(2_000, () => (outputs = { wsUrl: 'ws://127.0.0.1:8080/ws' }));
    clock.at(3_000, finish);
    const result = await settle({ errors: [], outputs: () => outputs }, activity, {
      settleMs: 10_000,
      sleep: clock.sleep,
    });
    expect(result).toEqual({ wsUrl: 'ws://127.0.0.1:8080/ws' });
    expect(clock.now()).toBeLessThan(3_500);
  });

  it('fails without the quiet window when the outputs resolved despite an error', async () => {
    const clock = fakeClock();
    const activity = new RegistrationActivity(clock.now);
    const outputs = { wsUrl: 'x' };
    const result = settle({ errors: [new Error('an apply rejected')], outputs: () => outputs }, activity, {
      settleMs: 10_000,
      sleep: clock.sleep,
    });
    await expect(result).rejects.toThrow('an apply rejected');
    expect(clock.now()).toBe(0);
  });
});
