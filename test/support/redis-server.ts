/**
 * A real Redis server for a test: Debian's `redis-server` (installed by `.ci/run`), started
 * on a free port of 127.0.0.1 (or the one given: to start it again where it was) with its data
 * in a temporary folder, stopped by the test.
 *
 * Where no `redis-server` is found (on PATH, or at `REDIS_SERVER_BIN`), the suites that need
 * one are skipped and the run says so once (`test/support/global-setup.ts`); with
 * `REQUIRE_REDIS=1` (as `.ci/run` sets) a missing server fails the run instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remember } from './spawned.js';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered, as with a Redis that hangs. */
  pause(): void;
  resume(): void;
  /** Stops it (SIGKILL: as when it crashes). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The `redis-server` to run: `REDIS_SERVER_BIN`, else the one on PATH. */
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** Whether a Redis server can be started here; the suites that need one run only then. */
export const hasRedis: boolean = spawnSync(REDIS_SERVER_BIN, ['--version']).error === undefined;

/** What to do about a missing Redis server, in one line. */
export const MISSING_REDIS = `${REDIS_SERVER_BIN} not found (install Debian's redis-server, or set REDIS_SERVER_BIN)`;

/** `args`: more of redis-server's options (`--maxmemory`, ...). */
export async function startRedis(port?: number, args: readonly string[] = []): Promise<RedisServer> {
  if (!hasRedis) throw new Error(MISSING_REDIS);
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'graph-redis-'));
  const child: ChildProcess = remember(
    spawn(REDIS_SERVER_BIN, ['--port', String(chosen), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
  const exited = once(child, 'exit');
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}
