/**
 * The bad-input suite: every operation limit at its bound and one past it, and the malformed
 * requests a public endpoint meets. Each refusal is a clear 4xx or GraphQL error with a
 * code, costs no upstream call, and leaves the server serving.
 */
import { Lexer, Source, TokenKind } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Fakes } from './support/contract-fakes.js';
import type { GraphServer } from './support/graph.js';
import { graphHarness } from './support/harness.js';

const start = graphHarness();

const LIMITS = { MAX_DEPTH: '4', MAX_ALIASES: '3', MAX_DIRECTIVES: '2', MAX_BODY_BYTES: '1024' };

function tokens(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

const limitError = (limit: string, max: number, found?: number) => ({
  errors: [
    {
      message: expect.stringContaining(found === undefined ? `(${limit}: at most ${max})` : `(${limit}: ${found}, at most ${max})`),
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, max },
    },
  ],
});

/** The server still answers an honest query, correctly. */
async function stillServes(graph: GraphServer): Promise<void> {
  const { status, body } = await graph.query('{ user(id: "u1") { personal { name } } }');
  expect([status, body]).toEqual([200, { data: { user: { personal: { name: 'Ada Lovelace' } } } }]);
}

function upstreamCalls(fakes: Fakes): number {
  return (
    fakes.personal.requests.length + fakes.professional.requests.length + fakes.orders.requests.length + fakes.inventory.requests.length
  );
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);

describe('operation limits, each at its bound and one past it', () => {
  it.each([
    [
      'depth',
      '{ user(id: "u1") { orders(first: 1) { nodes { id } } } }',
      '{ user(id: "u1") { orders(first: 1) { nodes { items { productId } } } } }',
      4,
    ],
    [
      'aliases',
      '{ a: user(id: "u1") { id } b: user(id: "u2") { id } c: user(id: "u3") { id } }',
      '{ a: user(id: "u1") { id } b: user(id: "u2") { id } c: user(id: "u3") { id } d: user(id: "u1") { id } }',
      3,
    ],
    [
      'directives',
      '{ user(id: "u1") @include(if: true) { id @skip(if: false) } }',
      '{ user(id: "u1") @include(if: true) { id @skip(if: false) personal @include(if: true) { name } } }',
      2,
    ],
  ])('%s', async (limit, atBound, past, max) => {
    const { graph, fakes } = await start({}, LIMITS);
    const callsAtStart = upstreamCalls(fakes);
    const accepted = await graph.query(atBound);
    expect(accepted.status).toBe(200);
    expect(accepted.body.errors).toBeUndefined();
    const callsBefore = upstreamCalls(fakes);

    const refused = await graph.query(past);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(limitError(limit, max));
    expect(upstreamCalls(fakes)).toBe(callsBefore);
    // Both again: the second time each validation result is the one kept with its document.
    expect(await graph.query(past)).toMatchObject({ status: 400, body: refused.body });
    expect(await graph.query(atBound)).toMatchObject({ status: 200, body: accepted.body });
    expect(upstreamCalls(fakes)).toBe(callsBefore + (callsBefore - callsAtStart));
    await stillServes(graph);
  });

  it('tokens', async () => {
    const atBound = '{ user(id: "u1") { id personal { name } } }';
    const { graph, fakes } = await start({}, { MAX_TOKENS: String(tokens(atBound)) });
    const accepted = await graph.query(atBound);
    expect([accepted.status, accepted.body]).toEqual([200, { data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' } } } }]);

    const past = '{ user(id: "u1") { id personal { name city } } }';
    expect(tokens(past)).toBe(tokens(atBound) + 1);
    const refused = await graph.query(past);
    expect([refused.status, refused.body]).toEqual([400, limitError('tokens', tokens(atBound))]);
    expect(fakes.personal.requests).toHaveLength(1);
  });

  it('variables are checked on every request, also for a document whose cost is known', async () => {
    const { graph, fakes } = await start();
    const USER = 'query User($id: ID!) { user(id: $id) { id } }';
    expect((await graph.query(USER, { id: 'u1' })).body).toEqual({ data: { user: { id: 'u1' } } });
    const calls = upstreamCalls(fakes);
    for (const variables of [{}, { id: { not: 'an id' } }, { id: null }]) {
      const { status, body } = await graph.query(USER, variables);
      expect([status, body.data, body.errors?.map((e) => e.extensions?.code)]).toEqual([400, undefined, ['BAD_USER_INPUT']]);
    }
    expect(upstreamCalls(fakes)).toBe(calls);
  });

  it('users(ids) takes at most 100 ids and orders(first) 1 to 100: BAD_USER_INPUT past them', async () => {
    const { graph, fakes } = await start();
    const USERS = 'query Users($ids: [ID!]!) { users(ids: $ids) { id } }';
    const hundred = await graph.query(USERS, { ids: ids(100) });
    expect(hundred.body.errors).toBeUndefined();
    expect(hundred.body.data?.users).toHaveLength(100);
    const personalCalls = fakes.personal.requests.length;
    const tooMany = await graph.query(USERS, { ids: ids(101) });
    expect(tooMany.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', argument: 'ids' }]);
    expect(fakes.personal.requests).toHaveLength(personalCalls);

    const ORDERS = 'query Orders($first: Int!) { user(id: "u1") { orders(first: $first) { nodes { id } } } }';
    for (const first of [1, 100]) expect((await graph.query(ORDERS, { first })).body.errors).toBeUndefined();
    for (const first of [0, 101]) {
      expect((await graph.query(ORDERS, { first })).body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [['user', 'orders'], 'BAD_USER_INPUT'],
      ]);
    }
  });

  it('the request body: MAX_BODY_BYTES accepted, one byte more refused with 413, also when its length is not declared', async () => {
    const { graph } = await start({}, LIMITS);
    const sized = (bytes: number) => {
      const body = JSON.stringify({ query: '{ user(id: "u1") { id } }' });
      return body.replace(' }"', `${' '.repeat(bytes - body.length)} }"`);
    };
    const post = (body: string) => fetch(`${graph.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const chunked = (body: string) =>
      fetch(`${graph.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body.slice(0, 100)));
            controller.enqueue(new TextEncoder().encode(body.slice(100)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const tooLarge = {
      errors: [{ message: 'The request body is larger than 1024 bytes.', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    };
    expect(sized(1024)).toHaveLength(1024);
    for (const send of [post, chunked]) {
      const accepted = await send(sized(1024));
      expect([accepted.status, await accepted.json()]).toEqual([200, { data: { user: { id: 'u1' } } }]);
      const refused = await send(sized(1025));
      expect([refused.status, await refused.json()]).toEqual([413, tooLarge]);
    }
    await stillServes(graph);
  });
});

describe('malformed and hostile requests', () => {
  const raw = (graph: GraphServer, init: RequestInit, query = '') => fetch(`${graph.url}/graphql${query}`, init);

  it('malformed JSON: 400 with a code', async () => {
    const { graph } = await start();
    const response = await raw(graph, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ user(id: \\"u1\\") { id } }"',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    await stillServes(graph);
  });

  it('a content type that is not JSON: 415', async () => {
    const { graph } = await start();
    const response = await raw(graph, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(response.status).toBe(415);
    await stillServes(graph);
  });

  it('a mutation over GET: 405, and nothing is written', async () => {
    const { graph, fakes } = await start();
    const mutation =
      'mutation { placeOrder(input: { userId: "u1", items: [{ productId: "p1", quantity: 1 }], idempotencyKey: "k" }) { order { id } } }';
    const response = await raw(graph, { headers: { accept: 'application/json' } }, `?query=${encodeURIComponent(mutation)}`);
    expect([response.status, response.headers.get('allow')]).toEqual([405, 'POST']);
    expect(fakes.orders.requests).toHaveLength(0);
    await stillServes(graph);
  });

  it('fragment cycles are refused by validation, without a hang or a crash', async () => {
    const { graph } = await start();
    const { status, body } = await graph.query(
      '{ user(id: "u1") { ...A } } fragment A on User { id ...B } fragment B on User { personal { name } ...A }',
    );
    expect(status).toBe(400);
    expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Cannot spread fragment "A" within itself via "B".', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    await stillServes(graph);
  });

  it('variables of the wrong type or missing: BAD_USER_INPUT, no upstream call', async () => {
    const { graph, fakes } = await start();
    const USERS = 'query Users($ids: [ID!]!, $first: Int) { users(ids: $ids) { orders(first: $first) { nodes { id } } } }';
    for (const variables of [{ ids: 'u1', first: 'ten' }, {}, { ids: [null] }, { ids: ['u1'], first: 2 ** 40 }]) {
      const { status, body } = await graph.query(USERS, variables);
      // A request error: 400 in the GraphQL-over-HTTP response type (200 for application/json).
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    }
    expect(upstreamCalls(fakes)).toBe(0);
    await stillServes(graph);
  });

  it('an unknown operation name, or several operations and no name: 400 with a code', async () => {
    const { graph } = await start();
    const post = (body: object) =>
      raw(graph, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const body of [
      { query: 'query A { __typename }', operationName: 'B' },
      { query: 'query A { __typename } query B { __typename }' },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(answer.errors[0]!.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    }
    await stillServes(graph);
  });

  it('array batching is refused unless MAX_BATCH allows it, and then only up to it', async () => {
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ query: `{ user(id: "u${i + 1}") { id } }` })));
    const post = (graph: GraphServer, body: string) =>
      raw(graph, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const { graph } = await start();
    const refused = await post(graph, batch(2));
    expect([refused.status, await refused.json()]).toEqual([
      400,
      { errors: [{ message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } }] },
    ]);

    const { graph: batching } = await start({}, { MAX_BATCH: '2' });
    const two = await post(batching, batch(2));
    expect([two.status, await two.json()]).toEqual([200, [{ data: { user: { id: 'u1' } } }, { data: { user: { id: 'u2' } } }]]);
    expect((await post(batching, batch(3))).status).toBe(413);
    await stillServes(batching);
  });
});
