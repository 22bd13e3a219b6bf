/**
 * The servers the graph is measured against, each in a process of its own started from its
 * TypeScript through tsx: Apollo Server (bench/apollo/), Mercurius (bench/mercurius/), Mercurius
 * with the guarantees a Fastify team would add (bench/mercurius-guarded/) and the hand-written
 * fan-out (bench/fanout/). Each prints `<announce> <url>` once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { linesUntil } from './child-output.js';

export const REFERENCES = {
  Apollo: { script: 'bench/apollo/server.ts', announce: 'Apollo reference on' },
  Mercurius: { script: 'bench/mercurius/server.ts', announce: 'Mercurius reference on' },
  'Mercurius+guarantees': { script: 'bench/mercurius-guarded/server.ts', announce: 'Mercurius with guarantees reference on' },
  'fan-out': { script: 'bench/fanout/server.ts', announce: 'hand-written fan-out on' },
} as const;

export type ReferenceName = keyof typeof REFERENCES;

export interface ReferenceServer {
  readonly name: ReferenceName;
  /** Its GraphQL endpoint. */
  readonly endpoint: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

/**
 * A reference in production mode over the given upstreams, pinned to `cpu`. With `nodeArgs`
 * (the profiler's `--cpu-prof`), SIGTERM ends it through `process.exit`, so that Node writes
 * what it collected: the references themselves stay as their documentation writes them.
 */
export async function startReference(
  name: ReferenceName,
  options: { readonly env: Record<string, string>; readonly cpu: number; readonly nodeArgs?: readonly string[] },
): Promise<ReferenceServer> {
  const { script, announce } = REFERENCES[name];
  const exitOnTerm = options.nodeArgs === undefined ? [] : ['--import', "data:text/javascript,process.on('SIGTERM',()=>process.exit(0))"];
  const child = spawn(
    'taskset',
    ['-c', String(options.cpu), process.execPath, ...(options.nodeArgs ?? []), ...exitOnTerm, '--import', 'tsx', script],
    {
      cwd: new URL('..', import.meta.url),
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const { ready, lines } = await linesUntil(child, (line) => line.startsWith(`${announce} `));
  if (!ready) throw new Error(`${name} did not start`);
  const endpoint = lines
    .at(-1)!
    .slice(announce.length + 1)
    .split(' ')[0]!;
  return { name, endpoint, pid: child.pid!, child };
}
