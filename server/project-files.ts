import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root, found from this module's location: the same code runs from
 * `server/` (tsx, tests) and from `dist/server/` (`npm start`), and the SDL and example
 * operations are read from the root in both cases.
 */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schema'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json beside schema/)');
    dir = parent;
  }
  return dir;
}

const root = projectRoot();

/** A path under the project root (the same from `server/` and from `dist/server/`). */
export function projectPath(...parts: string[]): string {
  return join(root, ...parts);
}

/** Every `.graphql` file of a project folder, by file name, in name order. */
export function readGraphQLFiles(folder: 'schema' | 'operations'): Map<string, string> {
  const dir = join(root, folder);
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  return new Map(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** The manifest of persisted operations the codegen step writes for `operations/`. */
export function ownPersistedDocumentsPath(): string {
  return join(root, 'generated', 'client', 'persisted-documents.json');
}
