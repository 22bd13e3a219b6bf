/**
 * A real browser for the tests that need one (a page on another origin, GraphiQL): Debian's
 * `chromium`, headless, driven by playwright-core. Where it is not installed the suites that
 * need it are skipped, and say so once (test/support/global-setup.ts); under
 * `REQUIRE_BROWSER=1` (as `.ci/run` sets) a missing browser fails the run instead.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const hasBrowser: boolean = existsSync(CHROMIUM_BIN);
export const MISSING_BROWSER = `${CHROMIUM_BIN} not found (install Debian's chromium, or set CHROMIUM_BIN)`;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
