import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test-support/browser.js';
import { writeReport } from '../../test-support/lab/write-report.js';
import { failoverReplicaHeadline } from '../experiments/failover-replica/headline.js';
import { writeComparison } from './compare.js';
import { parseResult } from './schema.js';
import { syntheticResult } from './synthetic.js';

const VIEWPORT = { width: 1280, height: 900 };

/** What the page's layout looks like, read in the page (the tests compile without the DOM library). */
interface Layout {
  scrollWidth: number;
  viewportWidth: number;
  firstFigure: string | null;
  images: { src: string | null; width: number }[];
  /** Each table box: does its table scroll inside it, and where does the box end? */
  boxes: { scrolls: boolean; right: number }[];
}

const LAYOUT_SCRIPT = `({
  scrollWidth: document.documentElement.scrollWidth,
  viewportWidth: window.innerWidth,
  firstFigure: document.querySelector('figure img')?.getAttribute('src') ?? null,
  images: [...document.images].map((image) => ({ src: image.getAttribute('src'), width: image.naturalWidth })),
  boxes: [...document.querySelectorAll('.table-scroll')].map((box) => ({
    scrolls: box.scrollWidth > box.clientWidth,
    right: box.getBoundingClientRect().right,
  })),
})`;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'wslab-report-page-'));
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A failover result with as many runs and parameters as the full mode's: the widest tables a report gets. */
function wideResult() {
  const result = parseResult({ ...syntheticResult(), experiment: 'failover-replica' });
  const runs = ['haproxy', 'nginx'].flatMap((proxy) =>
    ['none', 'cookie', 'source'].map((stickiness) => {
      const run = structuredClone(result.runs[1]!);
      run.label = `${proxy}/${stickiness}`;
      run.parameters = {
        ...run.parameters,
        proxy,
        stickiness,
        load: '160 msg/s → 200 subs',
        killAtMs: 4000,
        sourceAddresses: 16,
        publishers: 8,
        subscribers: 200,
        rooms: 8,
        ratePerPublisher: 20,
        arrivals: 'uniform',
        durationMs: 12_000,
      };
      run.metrics = {
        ...run.metrics,
        all_back_ms: 180,
        clients_disconnected: 70,
        clients_not_back: 0,
        resume_missed: 0,
        connect_failures: 0,
        reconnectsSameReplica: 0,
        reconnectsOtherReplica: 70,
        server_cpu_cores: 0.4,
      };
      return run;
    }),
  );
  return { ...result, runs };
}

describe('HTML report at 1280 px in headless Chromium', () => {
  it('opens with the headline chart, loads every chart, and nothing is wider than the page', async () => {
    const report = await writeReport(join(dir, 'failover'), wideResult());
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      await page.goto(pathToFileURL(report.htmlPath).href);
      const layout = (await page.evaluate(LAYOUT_SCRIPT)) as Layout;
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewportWidth);
      expect(layout.firstFigure).toBe('headline-reconnect.svg');
      for (const image of layout.images) expect(image.width, image.src ?? '').toBeGreaterThan(0);
      // the runs and parameters tables are wider than the page: they scroll inside their box
      expect(layout.boxes.some((box) => box.scrolls)).toBe(true);
      for (const box of layout.boxes) expect(box.right).toBeLessThanOrEqual(layout.viewportWidth);
    } finally {
      await page.close();
    }
  });

  it('shows a comparison of two reports within the page width too', async () => {
    const a = await writeReport(join(dir, 'a'), wideResult());
    const slower = wideResult();
    for (const run of slower.runs) run.reconnectMs = run.reconnectMs.map((ms) => ms * 1.5);
    const b = await writeReport(join(dir, 'b'), slower);
    const written = await writeComparison(a.dir, b.dir, () => failoverReplicaHeadline, join(dir, 'compare'));
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      await page.goto(pathToFileURL(written.htmlPath).href);
      const layout = (await page.evaluate(LAYOUT_SCRIPT)) as Layout;
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewportWidth);
      // B reconnects slower in every run: each p99 row is marked worse
      expect(await page.locator('td.worse').count()).toBeGreaterThanOrEqual(12);
    } finally {
      await page.close();
    }
  });
});
