/**
 * The frontend guide (docs/frontend.md), run: its snippets are the files of examples/frontend/
 * (the guide must quote them exactly), compiled with the project (tsc) and run here against a
 * real graph with Apollo Client 4 and urql.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
