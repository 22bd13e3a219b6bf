/**
 * The graph's contract with its clients (server/schema-check.ts, `npm run check:schema`): each
 * kind of breaking change against the released schema is named, an intended one recorded with
 * its reason passes, and an operation a frontend sends that no longer validates is named.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scratchCopy } from './support/scratch-copy.js';
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../server/schema-check.js';

const RELEASED = `
type Query { user(id: ID!): User, users(ids: [ID!]!): [User]! }
type User { id: ID!, nickname: String, status: Status! }
enum Status { ACTIVE DISABLED }
input OrderItemInput { productId: ID!, quantity: Int }
type Mutation { place(item: OrderItemInput!): Boolean }
`;
const PROFILE = 'query Profile { user(id: "u1") { id nickname status } }';

const check = (
  current: string,
  options: { intended?: { type: string; path: string; reason: string }[]; operations?: Record<string, string> } = {},
) =>
  checkSchema({
    released: RELEASED,
    current,
    intended: options.intended ?? [],
    operations: new Map(Object.entries(options.operations ?? {})),
  });

describe('check:schema', () => {
  it('passes the released schema itself, and additions', async () => {
    expect(await check(RELEASED, { operations: { 'operations/profile.graphql': PROFILE } })).toEqual([]);
    // The server takes @defer and @stream (yoga's plugin adds them): so does the check.
    expect(await check(RELEASED, { operations: { deferred: '{ user(id: "u1") { id ... @defer { status } } }' } })).toEqual([]);
    expect(await check(`${RELEASED}\nextend type User { city: String }`)).toEqual([]);
  });

  it.each([
    ['a removed field', RELEASED.replace('nickname: String, ', ''), 'FIELD_REMOVED at User.nickname'],
    [
      'a removed type',
      RELEASED.replace('input OrderItemInput { productId: ID!, quantity: Int }', '').replace('place(item: OrderItemInput!)', 'place'),
      'TYPE_REMOVED at OrderItemInput',
    ],
    ['an input field become non-null', RELEASED.replace('quantity: Int }', 'quantity: Int! }'), 'at OrderItemInput.quantity'],
    ['an output field become nullable', RELEASED.replace('id: ID!, nickname', 'id: ID, nickname'), 'FIELD_TYPE_CHANGED at User.id'],
    ['a removed enum value', RELEASED.replace('ACTIVE DISABLED', 'ACTIVE'), 'ENUM_VALUE_REMOVED at Status.DISABLED'],
    ['a changed argument', RELEASED.replace('user(id: ID!)', 'user(id: Int!)'), 'FIELD_ARGUMENT_TYPE_CHANGED at Query.user.id'],
  ])('names %s', async (_, current, named) => {
    const findings = await check(current);
    expect(findings.some((finding) => finding.startsWith('breaking: ') && finding.includes(named))).toBe(true);
  });

  it('lets a break recorded as intended through, and no other', async () => {
    const current = RELEASED.replace('nickname: String, ', '').replace('ACTIVE DISABLED', 'ACTIVE');
    const findings = await check(current, {
      intended: [{ type: 'FIELD_REMOVED', path: 'User.nickname', reason: 'deprecated since 0.2, unused' }],
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toContain('ENUM_VALUE_REMOVED at Status.DISABLED');
  });

  it('names an operation a client sends that no longer validates, even where the break is intended', async () => {
    const current = RELEASED.replace('nickname: String, ', '');
    const findings = await check(current, {
      intended: [{ type: 'FIELD_REMOVED', path: 'User.nickname', reason: 'retired' }],
      operations: { 'web/persisted-documents.json sha256:abc': PROFILE },
    });
    expect(findings).toEqual(['operation web/persisted-documents.json sha256:abc: Cannot query field "nickname" on type "User".']);
  });
});

describe('npm run check:schema', () => {
  /** Runs one of the project's commands in `copy`: its exit code and output. */
  async function run(copy: string, script: string): Promise<{ code: number; stdout: string }> {
    return promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: copy, env: { PATH: process.env.PATH ?? '' } }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
  }

  it('npm run release:schema: refused while check:schema finds a break; then schema/ is released, no break intended', async () => {
    const copy = scratchCopy('schema-check-');
    try {
      const file = join(copy, 'schema', 'user.graphql');
      const sdl = readFileSync(file, 'utf8');
      const released = join(copy, 'contracts', 'graph.released.graphql');
      const before = readFileSync(released, 'utf8');
      writeFileSync(file, sdl.replace('  "City of residence, when known."\n  city: String\n', ''));
      expect((await run(copy, 'server/schema-release-command.ts')).code).toBe(1);
      expect(readFileSync(released, 'utf8')).toBe(before);

      writeFileSync(file, sdl);
      const release = await run(copy, 'server/schema-release-command.ts');
      expect(release.code).toBe(0);
      expect(readFileSync(released, 'utf8')).toContain('@cost(weight: 5)');
      expect(readFileSync(join(copy, 'contracts', 'graph.intended-breaks.json'), 'utf8')).toBe('[]\n');
      const check = await run(copy, 'server/schema-check-command.ts');
      expect([check.code, check.stdout]).toEqual([0, expect.stringContaining('check:schema: no breaking change')]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('reads the schema the server would serve: an edit of schema/ is caught before codegen runs (finding 11)', async () => {
    const copy = scratchCopy('schema-check-');
    try {
      const file = join(copy, 'schema', 'user.graphql');
      const sdl = readFileSync(file, 'utf8');
      expect(sdl).toContain('  "City of residence, when known."\n  city: String\n');
      writeFileSync(file, sdl.replace('  "City of residence, when known."\n  city: String\n', ''));
      const failed = await run(copy, 'server/schema-check-command.ts');
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain(
        "breaking: Field 'city' was removed from object type 'PersonalInfo' (FIELD_REMOVED at PersonalInfo.city)",
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
