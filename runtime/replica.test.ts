import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveProcessCount, stopAll } from './managed-process.js';
import { startReplica } from './replica.js';

describe('startReplica', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'wslab-replica-'));
  afterAll(() => stopAll());

  it('fails at once, with the log tail, when the replica exits while starting', async () => {
    const startedAt = Date.now();
    const start = startReplica({ logDir, env: { BUS_MODE: 'memory', PING_INTERVAL_MS: 'often' } });
    await expect(start).rejects.toThrow(/exited while starting \(code 2[\s\S]*PING_INTERVAL_MS/);
    // Well under the 30 s start timeout: the exit ends the wait.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(liveProcessCount()).toBe(0);
  });

  it('starts a memory-bus replica that answers /healthz, and stops it by its pid', async () => {
    const replica = await startReplica({ logDir, env: { BUS_MODE: 'memory' } });
    expect((await fetch(`${replica.httpUrl}/healthz`)).status).toBe(200);
    const exit = await replica.stop();
    expect(exit.code).toBe(0);
    expect(replica.process.running).toBe(false);
  });
});
