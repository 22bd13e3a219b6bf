/**
 * Types are generated and checked, not written by hand: the generated files must match the
 * schema and operations in the repo (graphql-codegen) and the services' OpenAPI documents
 * (openapi-ts), and the whole project must type-check.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_ERROR_CODES, USER_ERROR_CODES } from '../errors/codes.js';
import { ERROR_CODES, type ErrorCode } from '../generated/client/error-codes.js';

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

  it("is up to date with the services' OpenAPI documents in contracts/ (openapi-ts into a fresh folder, compared)", async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'upstream-types-'));
    try {
      await run(bin('openapi-ts'), [], { cwd: root, env: { ...process.env, UPSTREAM_TYPES_DIR: fresh } });
      const committed = join(root, 'generated/upstreams');
      const files = (dir: string) =>
        readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .sort();
      expect(files(committed), 'stale: run npm run codegen').toEqual(files(fresh));
      for (const file of files(fresh))
        expect(readFileSync(join(committed, file), 'utf8'), `generated/upstreams/${file} is stale: run npm run codegen`).toBe(
          readFileSync(join(fresh, file), 'utf8'),
        );
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 120_000);

  it('type-checks with the rest of the project (tsc --noEmit)', async () => {
    const result = await run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: root }).then(
      () => 'no type errors',
      (error: { stdout?: string }) => error.stdout ?? 'tsc failed',
    );
    expect(result).toBe('no type errors');
  }, 120_000);

  it('publishes every extensions.code of the taxonomy to clients, and the userErrors codes as an enum', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ALL_ERROR_CODES).sort());
    const upstream: ErrorCode = 'UPSTREAM_TIMEOUT';
    expect(ERROR_CODES).toContain(upstream);
    const schema = buildSchema(readFileSync(new URL('../generated/schema.graphql', import.meta.url), 'utf8'));
    const userErrorCode = schema.getType('UserErrorCode') as GraphQLEnumType;
    expect(
      userErrorCode
        .getValues()
        .map((value) => value.name)
        .sort(),
    ).toEqual([...USER_ERROR_CODES].sort());
  });
});
