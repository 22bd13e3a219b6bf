/**
 * The frontend guide (docs/frontend.md), run: its snippets are the files of examples/frontend/
 * (the guide must quote them exactly), compiled with the project (tsc) and run here against a
 * real graph with Apollo Client 4 and urql.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createApolloClient, createPersistedApolloClient } from '../examples/frontend/apollo.js';
import { graphErrors } from '../examples/frontend/errors.js';
import { explain, placeOrder } from '../examples/frontend/place-order.js';
import { createUrqlClient } from '../examples/frontend/urql.js';
import { ProfileDeferredDocument, ProfileDocument } from '../generated/client/graphql.js';
import { contractHandlers } from './support/contract-fakes.js';
import { deferred, json, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { writeFakes } from './support/write-fakes.js';

const start = graphHarness();
const failing: Handler = (_, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } });

describe('docs/frontend.md', () => {
  it('quotes the example files exactly, and every one of them', () => {
    const guide = readFileSync(new URL('../docs/frontend.md', import.meta.url), 'utf8');
    const blocks = [...guide.matchAll(/```ts\n([^]*?)```/g)].map((match) => match[1]!);
    const folder = new URL('../examples/frontend/', import.meta.url);
    const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
    for (const file of files)
      expect({ file, quoted: blocks.includes(readFileSync(new URL(file, folder), 'utf8')) }).toEqual({ file, quoted: true });
    expect(blocks).toHaveLength(files.length);
  });
});

describe("the guide's codegen config, in a frontend project of its own", () => {
  const root = fileURLToPath(new URL('..', import.meta.url));

  /** Runs a script of this project's node_modules in `cwd`: its exit code and output. */
  const run = (cwd: string, script: string, args: string[]) =>
    promisify(execFile)(process.execPath, [join(root, 'node_modules', script), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );

  it('takes the SDL from a running graph (no checkout of this repository) and generates code that type-checks under nodenext', async () => {
    const { graph } = await start();
    const answer = await graph.query('{ _service { sdl } }');
    const sdl = (answer.body.data as { _service: { sdl: string } })._service.sdl;
    const app = mkdtempSync(join(tmpdir(), 'frontend-'));
    try {
      mkdirSync(join(app, 'src'));
      symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
      writeFileSync(join(app, 'schema.graphql'), sdl);
      const guide = readFileSync(new URL('../examples/frontend/codegen.ts', import.meta.url), 'utf8');
      expect(guide).toContain("schema: '../rest-graph/generated/schema.graphql'");
      writeFileSync(join(app, 'codegen.ts'), guide.replace("schema: '../rest-graph/generated/schema.graphql'", "schema: 'schema.graphql'"));
      writeFileSync(join(app, 'src', 'profile.graphql'), readFileSync(new URL('../operations/profile.graphql', import.meta.url), 'utf8'));
      writeFileSync(
        join(app, 'src', 'page.ts'),
        [
          "import { ProfileDocument, type ProfileQuery } from './gql/graphql.js';",
          "import { graphql } from './gql/index.js';",
          // errorHandlingClient: the @semanticNonNull `personal` is typed non-null.
          'export const name = (data: ProfileQuery): string | undefined => data.user?.personal.name;',
          'export const documents = [ProfileDocument, graphql(`query Small { me { id } }`)];',
          '',
        ].join('\n'),
      );
      writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
          },
          include: ['src'],
        }),
      );
      const codegen = await run(app, '@graphql-codegen/cli/cjs/bin.js', ['--config', 'codegen.ts']);
      expect(codegen.code, codegen.output).toBe(0);
      const types = await run(app, 'typescript/bin/tsc', ['-p', '.']);
      expect(types.code, types.output).toBe(0);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('Apollo Client 4', () => {
  it('keeps the partial data of a page whose optional service failed, and reads the error', async () => {
    const { graph } = await start({ professional: failing });
    const client = createApolloClient(`${graph.url}/graphql`);
    const { data, error } = await client.query({ query: ProfileDocument, variables: { id: 'u1' } });
    expect(data?.user?.personal.name).toBe('Ada Lovelace');
    expect(data?.user?.professional).toBeNull();
    expect(data?.user?.orders?.nodes.map((order) => order.id)).toEqual(['o2', 'o1']);
    const errors = graphErrors((error as { errors?: [] } | undefined)?.errors);
    expect(errors).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', service: 'professional', retryable: false, path: ['user', 'professional'] }]);
  });

  it('@defer: the deferred part arrives in the same answer', async () => {
    const { graph } = await start();
    const client = createApolloClient(`${graph.url}/graphql`);
    const { data } = await client.query({ query: ProfileDeferredDocument, variables: { id: 'u1' } });
    expect(data?.user).toMatchObject({ personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } });
  });

  it('places an order once however often it is sent with the same key, and explains a refusal', async () => {
    const write = writeFakes();
    const { graph } = await start(write.handlers);
    const client = createApolloClient(`${graph.url}/graphql`);
    const first = await placeOrder(client, 'u1', [{ productId: 'p1', quantity: 1 }], 'order-123');
    const again = await placeOrder(client, 'u1', [{ productId: 'p1', quantity: 1 }], 'order-123');
    expect(first?.order?.id).toBeDefined();
    expect(again?.order?.id).toBe(first?.order?.id);
    expect(write.state.orders.size).toBe(1);
    const refused = await placeOrder(client, 'u1', [{ productId: 'p2', quantity: 1 }]);
    expect(refused?.userErrors.map((userError) => explain(userError.code))).toEqual(['Not enough in stock.']);
  });

  it('automatic persisted queries: the document goes once, the hash alone after', async () => {
    const { graph } = await start();
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      sent.push(typeof init?.body === 'string' ? init.body : '');
      return realFetch(input, init);
    };
    try {
      for (const round of [1, 2]) {
        const client = createPersistedApolloClient(`${graph.url}/graphql`);
        const { data } = await client.query({ query: ProfileDocument, variables: { id: 'u1' } });
        expect({ round, name: data?.user?.personal.name }).toEqual({ round, name: 'Ada Lovelace' });
      }
    } finally {
      globalThis.fetch = realFetch;
    }
    // Round 1: the hash (unknown), then hash and document; round 2: the hash alone, known now.
    expect(sent.map((body) => (JSON.parse(body) as { query?: string }).query === undefined)).toEqual([true, false, true]);
  });
});

describe('urql', () => {
  it('gives partial data and the error side by side', async () => {
    const { graph } = await start({ professional: failing });
    const result = await createUrqlClient(`${graph.url}/graphql`).query(ProfileDocument, { id: 'u1' }).toPromise();
    expect(result.data?.user?.personal.name).toBe('Ada Lovelace');
    expect(result.data?.user?.professional).toBeNull();
    expect(graphErrors(result.error?.graphQLErrors).map((error) => [error.code, error.service])).toEqual([
      ['UPSTREAM_UNAVAILABLE', 'professional'],
    ]);
  });

  it('@defer: the first part, then the deferred one', async () => {
    const release = deferred();
    const { graph } = await start({
      professional: async (request, res) => {
        await release.promise;
        return contractHandlers.professional(request, res);
      },
    });
    const results: unknown[] = [];
    await new Promise<void>((resolve) => {
      createUrqlClient(`${graph.url}/graphql`)
        .query(ProfileDeferredDocument, { id: 'u1' })
        .subscribe((result) => {
          results.push(result.data?.user);
          if (results.length === 1) release.resolve();
          // The last part: the answer is whole (urql ends the source itself).
          if (!result.hasNext) resolve();
        });
    });
    expect(results[0]).toEqual({ id: 'u1', personal: { name: 'Ada Lovelace' } });
    expect(results.at(-1)).toMatchObject({ professional: { title: 'Programmer' }, orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] } });
  });
});
