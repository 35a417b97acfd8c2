import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../runtime/wait-for.js';
import { BusHealthCheck, type PingTarget } from '../../src/bus/health-check.js';

/** A connection whose PONGs can be held back (a frozen Redis: no answer, no error). */
class FakeTarget implements PingTarget {
  status = 'ready';
  frozen = false;
  pings = 0;
  private held: Array<() => void> = [];
  ping(): Promise<unknown> {
    this.pings += 1;
    if (!this.frozen) return Promise.resolve('PONG');
    return new Promise((resolve) => this.held.push(() => resolve('PONG')));
  }
  thaw(): void {
    this.frozen = false;
    for (const answer of this.held.splice(0)) answer();
  }
}

const checks: BusHealthCheck[] = [];
afterEach(() => {
  for (const check of checks.splice(0)) check.stop();
});

function start(targets: FakeTarget[], changes: boolean[], groups?: FakeTarget[][]): BusHealthCheck {
  const check = new BusHealthCheck({
    targets: () => groups ?? targets.map((target) => [target]),
    intervalMs: 50,
    timeoutMs: 100,
    fall: 2,
    onChange: (healthy) => changes.push(healthy),
  });
  checks.push(check);
  check.start();
  return check;
}

describe('BusHealthCheck', () => {
  it('turns unhealthy after `fall` rounds without a PONG, and healthy with the first full round', async () => {
    const good = new FakeTarget();
    const frozen = new FakeTarget();
    const changes: boolean[] = [];
    const check = start([good, frozen], changes);
    await waitFor(() => good.pings >= 2, { description: 'two rounds' });
    expect(check.isHealthy).toBe(true);

    const frozenAt = Date.now();
    frozen.frozen = true;
    await waitFor(() => !check.isHealthy, { description: 'unhealthy' });
    // At most one interval plus fall × timeout (50 + 2 × 100 ms), with margin.
    expect(Date.now() - frozenAt).toBeLessThan(1_500);
    expect(changes).toEqual([false]);

    frozen.thaw();
    await waitFor(() => check.isHealthy, { description: 'healthy again' });
    expect(changes).toEqual([false, true]);
  });

  it("a group (a cluster's masters) passes while any member answers; fails when none does", async () => {
    const masters = [new FakeTarget(), new FakeTarget(), new FakeTarget()];
    const changes: boolean[] = [];
    const check = start([], changes, [masters]);
    masters[0]!.frozen = true;
    await waitFor(() => masters[1]!.pings >= 4, { description: 'rounds with one frozen master' });
    expect(check.isHealthy).toBe(true);
    masters[1]!.frozen = true;
    masters[2]!.frozen = true;
    await waitFor(() => !check.isHealthy, { description: 'every master frozen' });
    for (const master of masters) master.thaw();
    await waitFor(() => check.isHealthy, { description: 'healthy again' });
    expect(changes).toEqual([false, true]);
  });

  it('one slow round is not a failure (fall 2), and connections already down are not pinged', async () => {
    const target = new FakeTarget();
    const down = new FakeTarget();
    down.status = 'reconnecting';
    const changes: boolean[] = [];
    start([target, down], changes);
    await waitFor(() => target.pings >= 1, { description: 'a round' });
    target.frozen = true;
    const pingsBefore = target.pings;
    await waitFor(() => target.pings >= pingsBefore + 1, { description: 'the slow round started' });
    target.thaw();
    await waitFor(() => target.pings >= pingsBefore + 3, { description: 'rounds go on' });
    expect(changes).toEqual([]);
    expect(down.pings).toBe(0);
  });
});
