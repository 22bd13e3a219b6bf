/**
 * A scratch copy of the project in a temporary folder (without node_modules, .git, dist and bench;
 * this project's node_modules linked), for a test that edits the project's own files and runs its
 * commands there. The caller removes it.
 */
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './server-process.js';

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
  const { server, url } = await startServerProcess({ NODE_ENV: 'development', STATE_DB_PATH: ':memory:' }, { cwd: copy });
  try {
    await use(url, () => server.output());
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}
