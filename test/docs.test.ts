/**
 * The documentation follows the project: every page (the README, docs/, the benchmark's README and
 * the CHANGELOG) links only to files a clone has and to headings those files have, names only npm
 * scripts package.json defines, and sets in its shell examples only variables something reads (a
 * server setting, or a knob the tests or benchmarks read); docs/errors.md's table has every error
 * code and no other. The defaults in its tables are checked by config-docs.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredSettings } from '../server/config.js';
import { ALL_ERROR_CODES } from '../errors/codes.js';
import { projectRoot } from './support/scratch-copy.js';

const PAGES = [
  'README.md',
  'CHANGELOG.md',
  'bench/README.md',
  ...readdirSync(join(projectRoot, 'docs')).map((name) => `docs/${name}`),
].filter((page) => page.endsWith('.md'));

const read = new Map<string, string>();
/** A page's text, read once however many links point into it. */
const text = (page: string): string => {
  let found = read.get(page);
  if (found === undefined) read.set(page, (found = readFileSync(join(projectRoot, page), 'utf8')));
  return found;
};

/** A heading's anchor as GitHub makes it. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(page: string): Set<string> {
  const withoutCode = text(page).replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
}

/** The page's prose and tables, without its fenced code. */
function prose(page: string): string {
  return text(page).replace(/```[\s\S]*?```/g, '');
}

/** The shell blocks of a page. */
function shellBlocks(page: string): string[] {
  return [...text(page).matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Every TypeScript source of the project outside node_modules: what reads an environment variable. */
function sources(dir = projectRoot): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', '.git', 'dist', 'generated'].includes(entry.name) || entry.name.startsWith('dist-')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

describe('the documentation', () => {
  it('has the pages the README links, one per topic', () => {
    expect(PAGES).toEqual(
      expect.arrayContaining(['docs/lifecycle.md', 'docs/benchmark.md', 'docs/production.md', 'docs/configuration.md']),
    );
    expect(text('README.md').split('\n').length).toBeLessThanOrEqual(250);
  });

  it('links only to files a clone has, and to headings they have', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const [, target] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const path = file === '' ? page : relative(projectRoot, join(projectRoot, dirname(page), file));
        if (!existsSync(join(projectRoot, path))) broken.push(`${page}: ${target} (no ${path})`);
        else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor))
          broken.push(`${page}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only npm scripts package.json defines', () => {
    const { scripts } = JSON.parse(text('package.json')) as { scripts: Record<string, string> };
    const unknown = PAGES.flatMap((page) =>
      [...text(page).matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)]
        .map((match) => match[1]!)
        .filter((name) => !(name in scripts))
        .map((name) => `${page}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('sets in its shell examples only variables the server, the tests or the benchmarks read', () => {
    const settings = declaredSettings();
    const code = sources()
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    const unread = PAGES.flatMap((page) =>
      shellBlocks(page).flatMap((block) =>
        [...block.matchAll(/(?:^|[\s;(])([A-Z][A-Z0-9_]{2,})=/gm)]
          .map((match) => match[1]!)
          .filter((name) => name !== 'NODE_ENV' && !settings.has(name) && !code.includes(name))
          .map((name) => `${page}: ${name}`),
      ),
    );
    expect(unread).toEqual([]);
  });

  it("docs/errors.md's table lists every extensions.code a client can meet, and no other", () => {
    const page = prose('docs/errors.md');
    const table = page.slice(page.indexOf('| `extensions.code` | when |')).split('\n\n')[0]!;
    const listed = table
      .split('\n')
      .slice(2)
      .flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]!));
    expect(listed.length).toBeGreaterThan(20);
    expect([...new Set(listed)].sort()).toEqual(Object.keys(ALL_ERROR_CODES).sort());
  });
});
