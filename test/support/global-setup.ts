/**
 * Once per run: says which suites are skipped for want of a Redis server or a browser, or,
 * under `REQUIRE_REDIS=1` / `REQUIRE_BROWSER=1` (CI), fails the run before any suite starts;
 * and at the end, stops every process a test started and left behind (spawned.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBrowser, MISSING_BROWSER } from './browser.js';
import { hasRedis, MISSING_REDIS } from './redis-server.js';
import { killLeftBehind, PIDS_FILE_VARIABLE } from './spawned.js';

export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'graph-test-run-'));
  const pids = join(folder, 'pids');
  writeFileSync(pids, '');
  process.env[PIDS_FILE_VARIABLE] = pids;
  for (const [present, required, missing, what] of [
    [hasRedis, 'REQUIRE_REDIS', MISSING_REDIS, 'a Redis server'],
    [hasBrowser, 'REQUIRE_BROWSER', MISSING_BROWSER, 'a browser'],
  ] as const) {
    if (present) continue;
    if (process.env[required] === '1') throw new Error(`${required}=1, but ${missing}`);
    console.warn(`\nSkipping the suites that need ${what}: ${missing}.\n`);
  }
  return () => {
    const killed = killLeftBehind(pids);
    if (killed > 0) console.warn(`\nStopped ${killed} process(es) a test had left running.\n`);
    rmSync(folder, { recursive: true, force: true });
  };
}
