/**
 * Once per run: says which suites are skipped for want of a Redis server or a browser, or,
 * under `REQUIRE_REDIS=1` / `REQUIRE_BROWSER=1` (CI), fails the run before any suite starts.
 */
import { hasBrowser, MISSING_BROWSER } from './browser.js';
import { hasRedis, MISSING_REDIS } from './redis-server.js';

export default function setup(): void {
  for (const [present, required, missing, what] of [
    [hasRedis, 'REQUIRE_REDIS', MISSING_REDIS, 'a Redis server'],
    [hasBrowser, 'REQUIRE_BROWSER', MISSING_BROWSER, 'a browser'],
  ] as const) {
    if (present) continue;
    if (process.env[required] === '1') throw new Error(`${required}=1, but ${missing}`);
    console.warn(`\nSkipping the suites that need ${what}: ${missing}.\n`);
  }
}
