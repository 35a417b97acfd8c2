import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (installed by `scripts/deps.sh --with-chromium`). */
export const CHROMIUM_PATH = process.env.WSLAB_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium for page tests, with the flags a container without a GPU or /dev/shm needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}
