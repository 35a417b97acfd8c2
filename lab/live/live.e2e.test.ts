import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../loadtests/runner/index.js';
import { Topology } from '../../runtime/local/local-topology.js';
import { stopAll } from '../../runtime/managed-process.js';
import { launchChromium } from '../../test-support/browser.js';
import { busiestReplica, killReplica } from '../faults/faults.js';
import { topologySource } from './collector.js';
import { type LiveView, startLiveView } from './live-view.js';

/** Set to a folder (docs/) to save the page's screenshots there. */
const SCREENSHOT_DIR = process.env.WSLAB_SCREENSHOT_DIR;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'wslab-live-'));
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
  await rm(dir, { recursive: true, force: true });
});

async function startLab(name: string): Promise<{ topology: Topology; live: LiveView }> {
  const topology = await Topology.start({
    proxy: 'haproxy',
    replicas: 3,
    redisMode: 'single',
    stickiness: 'none',
    logLevel: 'warn',
    dir: join(dir, name),
  });
  // the live view remembers its port in the lab dir (`dir`), like `wslab up` in .lab/
  const live = await startLiveView(dir);
  live.collector.attach(topologySource(topology));
  live.collector.phase(name);
  return { topology, live };
}

async function stopLab(lab: { topology: Topology; live: LiveView }): Promise<void> {
  await lab.live.stop();
  await lab.topology.stop();
}

const numberIn = async (page: Page, id: string) => Number(await page.locator(`#${id}`).textContent());

describe('live view in headless Chromium', () => {
  it('shows load, a replica kill within 2 s, and recovers when the lab restarts', async () => {
    const lab = await startLab('first');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(lab.live.server.url);
      await expect.poll(() => page.locator('#status').textContent()).toBe('live');
      await expect.poll(() => page.locator('#replicas tbody tr').count()).toBe(3);
      expect(await page.locator('#phase').textContent()).toBe('first');

      // load through HAProxy: the page's figures move
      const load = runScenario(
        'failover',
        {
          publishers: 2,
          subscribers: 30,
          rooms: 2,
          ratePerPublisher: 20,
          durationMs: 8_000,
          settleTimeoutMs: 2_000,
          backoffInitialMs: 100,
          backoffMaxMs: 1_000,
          sampleEveryMs: 1_000,
        },
        { url: lab.topology.proxy('haproxy').wsUrl },
        { progress: false },
      );
      await expect.poll(() => numberIn(page, 'connections'), { timeout: 15_000 }).toBe(32);
      await expect.poll(() => numberIn(page, 'delivered'), { timeout: 10_000 }).toBeGreaterThan(0);
      await expect.poll(() => numberIn(page, 'p99'), { timeout: 10_000 }).toBeGreaterThan(0);
      const cpuRows = await page
        .locator('#cpu tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-component')));
      expect(cpuRows).toEqual(expect.arrayContaining(['redis', 'r1', 'r2', 'r3', 'haproxy']));
      // two readings a second apart differ: the page is updated while load runs
      const chartBefore = await page.locator('#chart-delivered').innerHTML();
      await page.waitForTimeout(1_100);
      expect(await page.locator('#chart-delivered').innerHTML()).not.toBe(chartBefore);

      // SIGKILL the busiest replica: time until the page's timeline shows it
      const victim = await busiestReplica(lab.topology);
      const killedAtMs = Date.now();
      const killed = killReplica(lab.topology, victim);
      await page.locator('#timeline g.fault[data-kind="replica-down"]').waitFor({ timeout: 2_000 });
      const shownAfterMs = Date.now() - killedAtMs;
      await killed;
      await expect.poll(() => page.locator(`#replicas tr[data-replica="${victim}"] td.down`).count()).toBe(1);
      expect(await page.locator('#events li[data-kind="replica-down"]').textContent()).toContain(victim);
      process.stdout.write(
        `live view: replica kill shown on the timeline ${shownAfterMs} ms after SIGKILL\n`,
      );
      expect(shownAfterMs).toBeLessThan(2_000);
      if (SCREENSHOT_DIR) {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        // the clients of the killed replica back on the others
        await page.waitForTimeout(2_000);
        await page.screenshot({ path: join(SCREENSHOT_DIR, 'live-view.png'), fullPage: true });
      }
      await load;

      // the lab stops: the page says so; it starts again on the same port: the page follows
      const port = lab.live.server.port;
      await stopLab(lab);
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 5_000 }).toContain('offline');
      const again = await startLab('restarted');
      try {
        expect(again.live.server.port).toBe(port);
        await expect.poll(() => page.locator('#phase').textContent(), { timeout: 10_000 }).toBe('restarted');
        await expect.poll(() => page.locator('#status').textContent()).toBe('live');
        await expect
          .poll(() => page.locator('#replicas tbody tr td.down').count(), { timeout: 5_000 })
          .toBe(0);
      } finally {
        await stopLab(again);
      }
    } finally {
      await page.close();
    }
  });
});
