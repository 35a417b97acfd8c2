import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveProcessCount, stopAll } from '../../runtime/managed-process.js';
import { expectValidReport } from '../../test-support/lab/report-checks.js';
import { parseResult } from '../report/schema.js';
import { createProgress } from '../ui/progress.js';
import { EXPERIMENTS, HEADLINE_EXPERIMENTS } from './index.js';
import { runExperiment } from './run-experiment.js';

const reportsDir = mkdtempSync(join(tmpdir(), 'wslab-experiments-'));

afterAll(async () => {
  await stopAll();
  await rm(reportsDir, { recursive: true, force: true });
});

// The headline experiments run through `npm start -- --short` in lab/main.e2e.test.ts.
const others = Object.keys(EXPERIMENTS).filter((name) => !HEADLINE_EXPERIMENTS.includes(name));

/** The parsed result.json of the short run of `name` (run by the it.each above). */
async function resultOf(name: string) {
  const dir = (await readdir(reportsDir)).find((entry) => entry.endsWith(`-${name}`));
  expect(dir).toBeDefined();
  return parseResult(JSON.parse(await readFile(join(reportsDir, dir!, 'result.json'), 'utf8')));
}

describe('experiments in short mode', () => {
  it.each(others)(
    '%s writes result.json, report.md, charts and index.html, and stops its topology',
    { timeout: 240_000 },
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

  it('abuse: the storm is refused with 429 and counted by each proxy; normal clients lose nothing', async () => {
    const result = await resultOf('abuse');
    expect(result.runs.map((run) => run.label)).toEqual([
      'haproxy quiet',
      'haproxy storm',
      'nginx quiet',
      'nginx storm',
    ]);
    for (const run of result.runs) {
      expect(run.messages?.lost).toBe(0);
      expect(run.metrics.probeConnects).toBeGreaterThan(0);
      if (run.parameters.storm !== true) {
        expect(run.metrics.stormAttempts).toBeUndefined();
        continue;
      }
      expect(run.metrics.stormAttempts).toBeGreaterThan(100);
      expect(run.metrics.stormRefused429).toBeGreaterThan(0);
      // what the attacker saw as 429 is what the proxy counted (HAProxy counter, Nginx error log)
      expect(run.metrics.proxyRefusals).toBeGreaterThanOrEqual(run.metrics.stormRefused429!);
      expect(run.metrics.slowlorisOpened).toBeGreaterThan(0);
    }
    expect(result.restarted).toEqual([]);
    expect(EXPERIMENTS.abuse!.check(result).conclusions.join('\n')).toContain('No component restarted.');
  });

  it('redis-outage: every replica went unready and came back; publishers saw errors while Redis was down', async () => {
    const result = await resultOf('redis-outage');
    const [run] = result.runs;
    expect(run!.events.map((event) => event.kind)).toContain('redis-outage');
    for (const replica of ['r1', 'r2']) {
      expect(run!.metrics[`unreadyMs.${replica}`]).toBeGreaterThan(0);
      expect(run!.metrics[`readyAfterRedisBackMs.${replica}`]).toBeGreaterThanOrEqual(0);
    }
    expect(run!.metrics.publish_errors).toBeGreaterThan(0);
  });

  it('soak: reloaded the proxy, sampled every component and fitted a slope for each', async () => {
    const result = await resultOf('soak');
    const [run] = result.runs;
    expect(run!.metrics.reloads).toBeGreaterThanOrEqual(1);
    expect(run!.metrics.samples).toBeGreaterThanOrEqual(5);
    for (const component of ['redis', 'r1', 'r2', 'haproxy']) {
      expect(run!.metrics[`growthPer10Min.rssMiB.${component}`]).toBeTypeOf('number');
      expect(run!.metrics[`growthPer10Min.fds.${component}`]).toBeTypeOf('number');
    }
    expect(run!.metrics['growthPer10Min.heapMiB.r1']).toBeTypeOf('number');
    expect(run!.metrics['growthPer10Min.redisMemMiB.redis']).toBeTypeOf('number');
    expect(run!.messages?.lost).toBe(0);
  });

  it('dead-replica: every client of a killed, frozen or blackholed replica back within 10 s through both proxies, 0 acked lost', async () => {
    const result = await resultOf('dead-replica');
    expect(result.runs.map((run) => run.label).sort()).toEqual([
      'haproxy blackhole',
      'haproxy freeze',
      'haproxy kill',
      'nginx blackhole',
      'nginx freeze',
      'nginx kill',
    ]);
    for (const run of result.runs) {
      expect(run.metrics.struckClients, run.label).toBeGreaterThan(0);
      expect(run.metrics.neverBack, run.label).toBe(0);
      expect(run.metrics.backMsMax, run.label).toBeLessThan(10_000);
      expect(run.metrics.ackedLost, run.label).toBe(0);
      expect(run.metrics.acked, run.label).toBeGreaterThan(10);
    }
    expect(EXPERIMENTS['dead-replica']!.check(result).valid).toBe(true);
  });

  it('partition: the replica cut off from Redis turns unready and its clients receive again within 10 s, 0 lost', async () => {
    const result = await resultOf('partition');
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      expect(run.events.map((event) => event.kind)).toEqual(
        expect.arrayContaining(['partition', 'heal-partition', 'unready']),
      );
      expect(run.metrics.droppedPackets, run.label).toBeGreaterThan(0);
      expect(run.metrics.unreadyAfterMs, run.label).toBeLessThan(10_000);
      expect(run.metrics.struckClients, run.label).toBeGreaterThan(0);
      expect(run.metrics.backMsMax, run.label).toBeLessThan(10_000);
      expect(run.metrics.ackedLost, run.label).toBe(0);
    }
    expect(EXPERIMENTS.partition!.check(result).valid).toBe(true);
  });

  it('lossy-link: loss costs the tail and loses nothing; a thin link closes slow consumers with 1013, resumed without loss', async () => {
    const result = await resultOf('lossy-link');
    expect(result.runs).toHaveLength(4);
    for (const run of result.runs) {
      expect(run.latencyMs?.count, run.label).toBeGreaterThan(0);
      expect(run.metrics.ackedLost, run.label).toBe(0);
      if (run.parameters.kind === 'loss') expect(run.metrics.droppedPackets, run.label).toBeGreaterThan(0);
      if (run.parameters.kind === 'bandwidth') {
        expect(run.metrics['closes.1013'], run.label).toBeGreaterThan(0);
        expect(run.metrics.slowConsumersDropped, run.label).toBeGreaterThan(0);
      }
    }
    expect(EXPERIMENTS['lossy-link']!.check(result).valid).toBe(true);
  });
});
