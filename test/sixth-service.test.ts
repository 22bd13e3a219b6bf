/**
 * "Adding a sixth service" (docs/contracts.md) is what it says: on a scratch copy of the project, the
 * page's steps for a `loyalty` service (its OpenAPI document, its name in the list, a datasource
 * and its line in the context, a field and its resolver), then `npm run codegen`, and nothing
 * else edited: the project type-checks, starts with a sixth embedded demo service that answers
 * the field from the document's example, `check:upstreams` finds it compatible, and the tests that
 * read the list of services pass with six.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { scratchCopy, servedCopy as served } from './support/scratch-copy.js';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'sixth-service');
const exec = promisify(execFile);

/** Replaces `before` (which must be there) in one of the copy's files. */
function edit(copy: string, file: string, before: string, after: string): void {
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  expect(text, file).toContain(before);
  writeFileSync(path, text.replace(before, after));
}

/** The page's steps, each file as a team would write it. */
function addLoyalty(copy: string): void {
  cpSync(join(fixtures, 'loyalty.openapi.yaml'), join(copy, 'contracts', 'loyalty.openapi.yaml'));
  edit(copy, 'errors/service-name.ts', "'notifications'] as const", "'notifications', 'loyalty'] as const");
  cpSync(join(fixtures, 'loyalty-datasource.ts.fixture'), join(copy, 'datasources', 'loyalty-datasource.ts'));
  edit(
    copy,
    'server/context.ts',
    "import { InventoryDataSource } from '../datasources/inventory-datasource.js';",
    "import { InventoryDataSource } from '../datasources/inventory-datasource.js';\n" +
      "import { LoyaltyDataSource } from '../datasources/loyalty-datasource.js';",
  );
  edit(
    copy,
    'server/context.ts',
    '  readonly inventory: InventoryDataSource;',
    '  readonly inventory: InventoryDataSource;\n  readonly loyalty: LoyaltyDataSource;',
  );
  edit(
    copy,
    'server/context.ts',
    '    inventory: new InventoryDataSource(upstreams.inventory, scope),',
    '    inventory: new InventoryDataSource(upstreams.inventory, scope),\n    loyalty: new LoyaltyDataSource(upstreams.loyalty, scope),',
  );
  edit(
    copy,
    'schema/user.graphql',
    'type User @key(fields: "id") {',
    'type User @key(fields: "id") {\n' +
      '  "Loyalty points, from the loyalty service. Costs 5 (a read of the loyalty service)."\n' +
      '  points: Int @cost(weight: 5)\n',
  );
  edit(
    copy,
    'resolvers/User.ts',
    '  professional: (user, _, context)',
    '  points: (user, _, context) => context.loyalty.points(user.id),\n  professional: (user, _, context)',
  );
}

/** Runs `args` with the project's Node in `copy`: its exit code and output. */
async function run(copy: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return exec(process.execPath, args, { cwd: copy, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 1 << 24 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
  );
}

describe('adding a sixth service, as docs/contracts.md says', () => {
  it('loyalty: the documented steps and codegen only; it type-checks, serves, checks, passes the tests that list services', async () => {
    const copy = scratchCopy('sixth-service-');
    try {
      addLoyalty(copy);
      const codegen = await run(copy, ['node_modules/.bin/graphql-codegen', '--config', 'codegen.ts']);
      expect(codegen.code, codegen.output).toBe(0);
      const openapi = await run(copy, ['node_modules/.bin/openapi-ts']);
      expect(openapi.code, openapi.output).toBe(0);
      const types = await run(copy, ['node_modules/typescript/bin/tsc', '--noEmit']);
      expect(types.code, types.output).toBe(0);

      await served(copy, async (url) => {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ user(id: "u1") { points } }' }),
        });
        expect(await response.json()).toEqual({ data: { user: { points: 1200 } } });
      });

      const check = await run(copy, ['--import', 'tsx', 'server/upstream-check-command.ts']);
      expect([check.code, check.output]).toEqual([0, expect.stringMatching(/^loyalty: compatible/m)]);

      const tests = await run(copy, [
        'node_modules/vitest/vitest.mjs',
        'run',
        'test/config-docs.test.ts',
        'test/server.test.ts',
        '-t',
        'configuration|documented',
      ]);
      expect(tests.code, tests.output).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 240_000);
});
