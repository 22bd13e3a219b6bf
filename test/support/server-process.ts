/**
 * Runs the real entry point (`server/main.ts`, as `npm start` does after its build) in a
 * child process, for what only a process shows: start-up, configuration errors, signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remember } from './spawned.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, as soon as it appears. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** Run the build (`dist/`, as `npm start` does) rather than the sources through tsx. */
  readonly built?: boolean;
  /** The project to run: this one, or a scratch copy of it (test/support/scratch-copy.ts). */
  readonly cwd?: string;
}

/**
 * What the server logs for a throw nobody caught (server/serve.ts), or for an exchange of its
 * embedded demo services outside their OpenAPI documents: a bug wherever it happens.
 */
const BUG = /uncaught exception|unhandled rejection|contract violation/;
const bugLines: string[] = [];

/** The bug lines every server process of this test file has logged so far, emptied (test/support/no-bugs.ts reads it after each test). */
export function takeBugLines(): string[] {
  return bugLines.splice(0);
}

export function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): ServerProcess {
  // The build runs as `npm start` runs it (package.json), young generation size included.
  // (A benchmark that pins its server to a CPU starts the build with bench/built-graph.ts.)
  const args = options.built === true ? ['--max-semi-space-size=64', 'dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'];
  const child = remember(
    spawn(process.execPath, args, {
      cwd: options.cwd ?? root,
      // Only what the test gives, so that the machine's own *_API_URL cannot leak in; state in a
      // fresh folder unless the test names a file (to restart on the same one). Every request of
      // a test or bench comes from one IP: the rate limit is off unless the caller sets it.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        STATE_DB_PATH: freshStatePath(),
        RATE_LIMIT_REQUESTS: '0',
        DEMO_CONTRACT_CHECK: 'on',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    for (const line of text.split('\n')) if (BUG.test(line)) bugLines.push(line);
    output += text;
    for (const waiter of [...waiters]) {
      const match = output.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const match = output.match(pattern);
        if (match) return resolve(match);
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`the server exited (${code}) before printing ${pattern}:\n${output}`)));
      }),
    exited,
  };
}

/** Starts the server and resolves with its base URL once it listens. */
export async function startServerProcess(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<{ server: ServerProcess; url: string }> {
  const server = spawnServer({ PORT: '0', HOST: '127.0.0.1', ...env }, options);
  const [, port] = await server.waitFor(/GraphQL on http:\/\/localhost:(\d+)\/graphql/);
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A database file in a new temporary folder. */
export function freshStatePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'graph-state-')), 'graph.sqlite');
}
