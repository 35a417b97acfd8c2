import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClusterFailover } from '../../bench/cluster-failover-run.js';

// The timing target (node timeout + 2 s) is measured by bench/cluster-failover.ts;
// this test asserts the behaviour: publishing resumes and no acknowledged message is lost.
describe('cluster failover through the service', () => {
  it('publishing resumes after the promotion; a resuming subscriber misses no acked message', async () => {
    const result = await runClusterFailover({
      logDir: join('.lab', 'test-logs', `cluster-failover-${Date.now()}`),
      nodeTimeoutMs: 2000,
      warmupMs: 500,
      cooldownMs: 500,
    });
    expect(result.recoveryMs).toBeGreaterThan(0);
    expect(result.acked).toBeGreaterThan(0);
    expect(result.acked + result.failed).toBe(result.published);
    expect(result.ackedMissingAfterResume).toBe(0);
    expect(result.duplicates).toBe(0);
  });
});
