/**
 * Every process a test starts (Redis servers, graph server processes) is stopped when the run
 * ends, whatever the test ended with: a failed assertion, a timeout, a worker vitest stopped.
 * Each is killed when its test process exits, and its pid is written down for the run's
 * teardown (global-setup.ts), which kills whatever a worker left behind because it was killed
 * itself (a worker killed with SIGKILL runs no exit handler).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

/** The file the run's spawned pids are written to (set by global-setup.ts, inherited by every test process). */
export const PIDS_FILE_VARIABLE = 'GRAPH_TEST_PIDS_FILE';

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Remembers `child` until it exits: killed with its test process, or by the run's teardown. */
export function remember<T extends ChildProcess>(child: T): T {
  if (child.pid === undefined) return child;
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  const file = process.env[PIDS_FILE_VARIABLE];
  if (file !== undefined) appendFileSync(file, `${child.pid}\n`);
  return child;
}

/** Kills every process of the run still alive whose command is one the tests start (a pid reused since is left alone). */
export function killLeftBehind(file: string): number {
  let killed = 0;
  for (const pid of readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number)) {
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    if (!/redis-server|server\/main/.test(command)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed += 1;
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
