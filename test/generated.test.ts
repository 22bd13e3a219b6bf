/**
 * Types are generated from the SDL and checked, not written by hand: the generated files
 * must match the schema and operations in the repo, and the whole project must type-check.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

describe('generated code', () => {
  it('is up to date with schema/ and operations/ (graphql-codegen --check)', async () => {
    const result = await run(bin('graphql-codegen'), ['--config', 'codegen.ts', '--check'], { cwd: root }).then(
      () => 'up to date',
      (error: { stdout?: string; stderr?: string }) => `stale: run npm run codegen\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(result).toBe('up to date');
  }, 120_000);

  it('type-checks with the rest of the project (tsc --noEmit)', async () => {
    const result = await run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: root }).then(
      () => 'no type errors',
      (error: { stdout?: string }) => error.stdout ?? 'tsc failed',
    );
    expect(result).toBe('no type errors');
  }, 120_000);
});
