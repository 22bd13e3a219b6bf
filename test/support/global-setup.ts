/**
 * Once per run: says which suites are skipped for want of a Redis server, or, under
 * `REQUIRE_REDIS=1` (CI), fails the run before any suite starts.
 */
import { hasRedis, MISSING_REDIS } from './redis-server.js';

export default function setup(): void {
  if (hasRedis) return;
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1, but ${MISSING_REDIS}`);
  console.warn(`\nSkipping the suites that need a Redis server: ${MISSING_REDIS}.\n`);
}
