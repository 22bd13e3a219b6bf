/**
 * A built graph (`dist/`, or another build's folder) in a process of its own, pinned to CPU 1,
 * in production mode over the given upstreams, as the profiler, the build comparison and the
 * scenarios start it: its output read and dropped, as the references' are (the pipe kept open and
 * drained, so that its log lines are written as they would be to a log shipper).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freshStatePath } from '../test/support/server-process.js';

export interface BuiltGraph {
  readonly child: ChildProcess;
  /** Its GraphQL endpoint. */
  readonly url: string;
}

export async function startBuiltGraph(options: {
  /** The build's entry point. @default "dist/server/main.js" */
  readonly entry?: string;
  /** Node options before the entry point (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** The `*_API_URL`s and any other settings. */
  readonly env: Record<string, string>;
  /** The CPU it is pinned to. @default 1 */
  readonly cpu?: number;
}): Promise<BuiltGraph> {
  const child = spawn(
    'taskset',
    [
      '-c',
      String(options.cpu ?? 1),
      process.execPath,
      '--max-semi-space-size=64',
      ...(options.nodeArgs ?? []),
      options.entry ?? 'dist/server/main.js',
    ],
    {
      cwd: new URL('..', import.meta.url),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        STATE_DB_PATH: freshStatePath(),
        RATE_LIMIT_REQUESTS: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // Read line by line up to the start line, then drained to the end, as a log shipper reads it. A
  // `for await` over the stream itself destroyed it at `break`: the graph's next log line then met
  // a closed pipe (EPIPE), and pino stops writing for good at the first (its `filterBrokenPipe`), so
  // the graph was measured without writing its one line per operation.
  const output: string[] = [];
  let port: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    output.push(line);
    port = /GraphQL on http:\/\/localhost:(\d+)/.exec(line)?.[1];
    if (port !== undefined) break;
  }
  child.stdout.resume();
  if (port === undefined) throw new Error(`the graph did not start:\n${output.join('\n')}`);
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

/** `NAME=value,NAME=value` as an environment: a value ends at the next comma, and may hold `=` or `:` (a URL). */
export function settingsOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(',').flatMap((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? [] : [[pair.slice(0, equals), pair.slice(equals + 1)]];
    }),
  );
}
