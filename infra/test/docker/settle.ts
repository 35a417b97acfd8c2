import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Registrations under way, and when the last one began or ended. `pulumi up` ends when the
 * program exits; under the mocks a failed run never does (what depends on the failure stays
 * pending), so "settled" stands in for it: nothing under way and nothing registered for a while.
 */
export class RegistrationActivity {
  private inFlight = 0;
  private lastChangeMs: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastChangeMs = now();
  }

  /** Runs one registration, counted from its start to its end. */
  async track<T>(registration: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    this.lastChangeMs = this.now();
    try {
      return await registration();
    } finally {
      this.inFlight -= 1;
      this.lastChangeMs = this.now();
    }
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Nothing under way, and nothing began or ended for `quietMs`. */
  idleFor(quietMs: number): boolean {
    return this.inFlight === 0 && this.now() - this.lastChangeMs >= quietMs;
  }
}

export interface SettleOptions {
  /** How long a failed run must be idle before it counts as settled. */
  settleMs: number;
  pollMs?: number;
  /** Injected by tests (a fake clock); defaults to a real sleep. */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Waits for a program run's outcome: its outputs once they resolved and nothing is under way; or,
 * after an error, a throw (every distinct message) once nothing is under way and, unless the
 * outputs resolved anyway, nothing was registered for `settleMs`. Whatever the program still
 * registers after an error is created first, as under `pulumi up`.
 */
export async function settle<T>(
  run: { errors: readonly unknown[]; outputs: () => T | undefined },
  activity: RegistrationActivity,
  options: SettleOptions,
): Promise<T> {
  const pause = options.sleep ?? sleep;
  for (;;) {
    const outputs = run.outputs();
    const quiet = outputs === undefined ? activity.idleFor(options.settleMs) : !activity.busy;
    if (run.errors.length > 0 && quiet) {
      const messages = run.errors.map((error) => (error instanceof Error ? error.message : String(error)));
      throw new Error([...new Set(messages)].join('\n'));
    }
    if (outputs !== undefined && !activity.busy) return outputs;
    await pause(options.pollMs ?? 200);
  }
}
