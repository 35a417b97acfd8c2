import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveTopologySpec } from '../topology/spec.js';
import { liveProcessCount, stopAll } from './managed-process.js';
import { startReplica } from './replica.js';

describe('startReplica', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'wslab-replica-'));
  afterAll(() => stopAll());

  it('fails at once, with the log tail, when the replica exits while starting', async () => {
    const startedAt = Date.now();
    // An address the service's config refuses: it exits with code 2 and says why in its log.
    const start = startReplica({ logDir, spec: resolveTopologySpec(), placement: { redisUrl: 'not-a-url' } });
    await expect(start).rejects.toThrow(/exited while starting \(code 2[\s\S]*must start with redis:\/\//);
    // Well under the 30 s start timeout: the exit ends the wait.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(liveProcessCount()).toBe(0);
  });

  it('starts a memory-bus replica that answers /healthz, and stops it by its pid', async () => {
    const replica = await startReplica({
      logDir,
      spec: resolveTopologySpec({ redisMode: 'none', replicas: 1 }),
    });
    expect((await fetch(`${replica.httpUrl}/healthz`)).status).toBe(200);
    const exit = await replica.stop();
    expect(exit.code).toBe(0);
    expect(replica.process.running).toBe(false);
  });
});
