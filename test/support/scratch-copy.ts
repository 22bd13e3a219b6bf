/**
 * A scratch copy of the project in a temporary folder (without node_modules, .git, dist and bench;
 * this project's node_modules linked), for a test that edits the project's own files and runs its
 * commands there. The caller removes it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remember } from './spawned.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export function scratchCopy(prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  const skipped = new Set(['node_modules', '.git', 'dist', 'bench']);
  cpSync(projectRoot, copy, { recursive: true, filter: (source) => !skipped.has(source.slice(projectRoot.length).split('/')[0] ?? '') });
  symlinkSync(join(projectRoot, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/**
 * The copy's server in development mode on a port of its own, until `use` is done with its URL;
 * `output` is what it has printed so far.
 */
export async function servedCopy(copy: string, use: (url: string, output: () => string) => Promise<void>): Promise<void> {
  const child = remember(
    spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: copy,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', STATE_DB_PATH: ':memory:', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  try {
    const port = await new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /GraphQL on http:\/\/localhost:(\d+)\/graphql/.exec(output);
        if (match !== null) resolve(match[1]!);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      void exited.then(() => reject(new Error(`the copy's server exited:\n${output}`)));
    });
    await use(`http://127.0.0.1:${port}`, () => output);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
