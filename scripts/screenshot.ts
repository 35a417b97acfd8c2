/**
 * A PNG of a page as a 1280 px wide browser shows it (the docs' screenshots):
 * `npx tsx scripts/screenshot.ts <url or file> <out.png> [--height=900] [--full-page]`. Uses Debian's chromium
 * (`scripts/deps.sh --with-chromium`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test-support/browser.js';

const [target, out] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!target || !out) {
  process.stderr.write(
    'usage: npx tsx scripts/screenshot.ts <url or file> <out.png> [--height=900] [--full-page]\n',
  );
  process.exit(2);
}
const heightArg = process.argv.find((arg) => arg.startsWith('--height='));
const height = heightArg ? Number(heightArg.slice('--height='.length)) : 900;
const url = existsSync(target) ? pathToFileURL(resolve(target)).href : target;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height } });
  await page.goto(url);
  await page.screenshot({ path: out, fullPage: process.argv.includes('--full-page') });
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
}
