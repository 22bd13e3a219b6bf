/**
 * A built graph (`dist/`, or another build's folder) in a process of its own, pinned to CPU 1,
 * in production mode over the given upstreams, as the profiler, the build comparison and the
 * scenarios start it: its output read and dropped, as the references' are (the pipe kept open and
 * drained, so that its log lines are written as they would be to a log shipper: child-output.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freshStatePath } from '../test/support/server-process.js';
import { linesUntil } from './child-output.js';

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
  const START = /GraphQL on http:\/\/localhost:(\d+)/;
  const { ready, lines } = await linesUntil(child, (line) => START.test(line));
  if (!ready) throw new Error(`the graph did not log its start line (a LOG_LEVEL above info hides it):\n${lines.join('\n')}`);
  const port = START.exec(lines.at(-1)!)![1]!;
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
