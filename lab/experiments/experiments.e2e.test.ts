import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveProcessCount, stopAll } from '../../runtime/managed-process.js';
import { expectValidReport } from '../../test-support/lab/report-checks.js';
import { parseResult } from '../report/schema.js';
import { createProgress } from '../ui/progress.js';
import { runExperiment } from './experiment.js';
import { EXPERIMENTS, HEADLINE_EXPERIMENTS } from './index.js';

const reportsDir = mkdtempSync(join(tmpdir(), 'wslab-experiments-'));

afterAll(async () => {
  await stopAll();
  await rm(reportsDir, { recursive: true, force: true });
});

// The headline experiments run through `npm start -- --short` in lab/main.e2e.test.ts.
const others = Object.keys(EXPERIMENTS).filter((name) => !HEADLINE_EXPERIMENTS.includes(name));

describe('experiments in short mode', () => {
  it.each(others)(
    '%s writes result.json, report.md, charts and index.html, and stops its topology',
    async (name) => {
      const before = liveProcessCount();
      const written = await runExperiment(EXPERIMENTS[name]!, {
        mode: 'short',
        reportsDir,
        progress: createProgress({ env: { CI: 'true' } }),
      });
      await expectValidReport(written.dir, name);
      expect(liveProcessCount()).toBe(before);
    },
  );

  it('timeouts: without pings the proxy cuts idle connections, with pings they survive', async () => {
    const dirs = await readdir(reportsDir);
    const dir = dirs.find((entry) => entry.endsWith('-timeouts'));
    expect(dir).toBeDefined();
    const result = parseResult(JSON.parse(await readFile(join(reportsDir, dir!, 'result.json'), 'utf8')));
    for (const run of result.runs) {
      const survived = run.metrics.survivedHold;
      if (run.parameters.pingIntervalMs === 0) expect(survived).toBe(0);
      else expect(survived).toBe(run.metrics.opened);
    }
  });

  it('failover-redis: the master was killed and a replica promoted in both runs', async () => {
    const dir = (await readdir(reportsDir)).find((entry) => entry.endsWith('-failover-redis'));
    const result = parseResult(JSON.parse(await readFile(join(reportsDir, dir!, 'result.json'), 'utf8')));
    for (const run of result.runs) {
      expect(run.events.map((event) => event.kind)).toContain('kill-redis-master');
      expect(run.metrics.promotionMs).toBeGreaterThan(0);
      expect(run.metrics.publishResumeMs).toBeGreaterThan(0);
    }
  });
});
