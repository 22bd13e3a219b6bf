/**
 * The graph as a subgraph of a federated supergraph. `_entities` directly (batching, nulls,
 * errors at the right path, limits), then real federation tooling: this subgraph composed with
 * a second one written here (`reviews`: extends `User`, references `Order`) by
 * @theguild/federation-composition, served through Hive Gateway's runtime in-process, and
 * queried across both; and composed by Apollo's composition and Hive's, whose supergraphs keep
 * the subgraph's `@cost` and `@listSize` for a router's demand control.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices } from '@theguild/federation-composition';
import { buildSchema, getOperationAST, parse, print, visit } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { subgraphSdl } from '../server/subgraph.js';
import { readGraphQLFiles } from '../server/project-files.js';
import { CostModel } from '../security/operation-cost.js';
import { json, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { bearer, HMAC_AUTH, hmacToken } from './support/tokens.js';

const start = graphHarness();
const failing: Handler = (_, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } });

const USER_ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id personal { name } professional { title } orders(first: 1) { nodes { id } } }
  }
}`;
const users = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'User', id })) });

describe('_entities', () => {
  it('User representations: one personal batch, unknown ids null, their fields fetched with it', async () => {
    const { graph, fakes } = await start();
    const { body } = await graph.query(USER_ENTITIES, users('u1', 'u2', 'nobody', 'u1'));
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([
      { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' }, orders: { nodes: [{ id: 'o2' }] } },
      { id: 'u2', personal: { name: 'Alan Turing' }, professional: null, orders: { nodes: [{ id: 'o3' }] } },
      null,
      { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' }, orders: { nodes: [{ id: 'o2' }] } },
    ]);
    expect(fakes.personal.requests.map((request) => request.url)).toEqual(['/users?ids=u1,u2,nobody']);
  });

  it('Order representations go through the orders batch endpoint', async () => {
    const { graph, fakes } = await start();
    const { body } = await graph.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id totalCents } } }', {
      r: [
        { __typename: 'Order', id: 'o1' },
        { __typename: 'Order', id: 'o3' },
      ],
    });
    expect(body.data?._entities).toEqual([expect.objectContaining({ id: 'o1' }), expect.objectContaining({ id: 'o3' })]);
    expect(fakes.orders.requests.map((request) => request.pathname)).toEqual(['/orders']);
  });

  it("an Order by key is the caller's own only, as Query.order is (authentication on)", async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }';
    const r = [{ __typename: 'Order', id: 'o1' }];
    expect((await graph.query(query, { r }, bearer(await hmacToken('u1')))).body.data?._entities).toEqual([{ id: 'o1' }]);
    const other = await graph.query(query, { r }, bearer(await hmacToken('u2')));
    expect(other.body.data?._entities).toEqual([null]);
    expect(other.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['_entities', 0], 'FORBIDDEN']]);
  });

  it('a failing optional upstream fails only its fields, at their _entities path', async () => {
    const { graph } = await start({ professional: failing });
    const { body } = await graph.query(USER_ENTITIES, users('u1', 'u3'));
    expect(body.data?._entities).toMatchObject([
      { id: 'u1', professional: null },
      { id: 'u3', professional: null },
    ]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.service])).toEqual([
      [['_entities', 0, 'professional'], 'UPSTREAM_UNAVAILABLE', 'professional'],
      [['_entities', 1, 'professional'], 'UPSTREAM_UNAVAILABLE', 'professional'],
    ]);
  });

  it('takes at most 100 representations, and costs per representation (the same document, cheap with 10, too dear with 100)', async () => {
    const many = (count: number) => users(...Array.from({ length: count }, (_, i) => `u${i}`));
    const plain = await start();
    expect((await plain.graph.query(USER_ENTITIES, many(101))).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const strict = await start({}, { MAX_COST: '200' });
    expect((await strict.graph.query(USER_ENTITIES, many(10))).body.errors).toBeUndefined();
    const costly = await strict.graph.query(USER_ENTITIES, many(100));
    // 1 for each representation and 12 for what it selects: 130 with 10, 1300 with 100.
    expect(costly.body.errors?.[0]?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimated: 1300, limit: 200 });
    expect([plain.fakes.personal.requests.length, strict.fakes.personal.requests.length]).toEqual([0, 1]);
  });
});

/** The second subgraph, as another team would write it: reviews of orders, by users. */
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Review { id: ID! body: String! author: User! order: Order! }
  type User @key(fields: "id") { id: ID! reviews: [Review!]! }
  type Order @key(fields: "id", resolvable: false) { id: ID! }
  type Query { latestReviews: [Review!]! }
`;
/** 20 reviews by the three users the fakes know. */
const REVIEWS = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, body: `review ${i}`, author: `u${(i % 3) + 1}`, order: 'o1' }));

let servers: Server[] = [];
afterEach(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  servers = [];
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

async function reviewsSubgraph(): Promise<string> {
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(REVIEWS_SDL),
      resolvers: {
        Query: { latestReviews: () => REVIEWS },
        Review: {
          author: (review: { author: string }) => ({ id: review.author }),
          order: (review: { order: string }) => ({ id: review.order }),
        },
        User: { reviews: (user: { id: string }) => REVIEWS.filter((review) => review.author === user.id) },
      },
    },
  ]);
  const yoga = createYoga({ schema, logging: false });
  return listen((req, res) => void yoga(req, res));
}

/** Composes the graph's SDL with `reviews` and serves the supergraph through Hive Gateway. */
async function gateway(graphUrl: string): Promise<string> {
  const composed = composeServices([
    { name: 'users-orders', typeDefs: parse(subgraphSdl()), url: `${graphUrl}/graphql` },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: await reviewsSubgraph() },
  ]);
  if (!('supergraphSdl' in composed) || composed.supergraphSdl === undefined) throw new Error(JSON.stringify(composed.errors));
  const runtime = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    maskedErrors: false,
    // The caller's trace context goes on to the subgraphs.
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ traceparent: request.headers.get('traceparent') ?? '' }),
    },
  });
  return listen((req, res) => void runtime(req, res));
}

describe('behind a gateway (Hive Gateway, composed with @theguild/federation-composition)', () => {
  it('composes with another subgraph that extends User and references Order', () => {
    const composed = composeServices([
      { name: 'users-orders', typeDefs: parse(subgraphSdl()) },
      { name: 'reviews', typeDefs: parse(REVIEWS_SDL) },
    ]);
    expect('errors' in composed ? composed.errors : []).toEqual([]);
  });

  it("joins 20 reviews to their users: one personal batch, each user's professional and orders once", async () => {
    const { graph, fakes } = await start();
    const url = await gateway(graph.url);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify({
        query: '{ latestReviews { body author { personal { name } professional { title } orders(first: 3) { nodes { id } } } } }',
      }),
    });
    const body = (await response.json()) as { data: { latestReviews: { author: { personal: { name: string } } }[] }; errors?: unknown };
    expect(JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data.latestReviews).toHaveLength(20);
    expect(body.data.latestReviews[0]).toEqual({
      body: 'review 0',
      author: {
        personal: { name: 'Ada Lovelace' },
        professional: { title: 'Programmer' },
        orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] },
      },
    });
    expect(fakes.personal.requests).toHaveLength(1);
    expect(fakes.professional.requests.length).toBeLessThanOrEqual(3);
    expect(fakes.orders.requests.length).toBeLessThanOrEqual(3);
    // The trace went through the gateway and the graph to the services.
    expect(fakes.personal.requests[0]!.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
  });

  it('partial results and error extensions survive the gateway', async () => {
    const { graph } = await start({ professional: failing });
    const url = await gateway(graph.url);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ latestReviews { id author { personal { name } professional { title } } } }' }),
    });
    const body = (await response.json()) as {
      data: { latestReviews: { author: { personal: unknown; professional: unknown } }[] };
      errors: { path?: unknown[]; extensions?: Record<string, unknown> }[];
    };
    expect(body.data.latestReviews[0]!.author).toEqual({ personal: { name: 'Ada Lovelace' }, professional: null });
    expect(body.errors.length).toBeGreaterThan(0);
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'professional' });
    expect(body.errors[0]!.path).toEqual(['latestReviews', expect.any(Number), 'author', 'professional']);
  });
});

describe("demand control through a router: the supergraph keeps the subgraph's @cost and @listSize", () => {
  /** Every application of the cost directives in an SDL, as `Type.field @directive(args)` lines. */
  function costDirectives(sdl: string): string[] {
    const found: string[] = [];
    let type = '';
    visit(parse(sdl), {
      ObjectTypeDefinition: (node) => void (type = node.name.value),
      ObjectTypeExtension: (node) => void (type = node.name.value),
      FieldDefinition: (node) => {
        for (const directive of node.directives ?? [])
          if (['cost', 'listSize'].includes(directive.name.value)) found.push(`${type}.${node.name.value} ${print(directive)}`);
      },
    });
    return found.sort();
  }
  const subgraphs = () => [
    { name: 'users-orders', typeDefs: parse(subgraphSdl()), url: 'http://users-orders.invalid/graphql' },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: 'http://reviews.invalid/graphql' },
  ];

  it.each([
    ['Apollo (@apollo/composition)', () => composeWithApollo(subgraphs()).supergraphSdl],
    [
      'Hive (@theguild/federation-composition)',
      () => {
        const composed = composeServices(subgraphs());
        return 'supergraphSdl' in composed ? composed.supergraphSdl : undefined;
      },
    ],
  ])('%s', (_, compose) => {
    const supergraph = compose();
    expect(supergraph).toBeDefined();
    const ours = costDirectives(subgraphSdl());
    expect(ours.length).toBeGreaterThanOrEqual(10);
    expect(costDirectives(supergraph!)).toEqual(ours);
    // A router estimating our operations on the supergraph gets what the graph gets itself.
    const own = new CostModel(buildSchema(subgraphSdl(), { assumeValidSDL: true }), 10);
    const routers = new CostModel(buildSchema(supergraph!, { assumeValidSDL: true }), 10);
    for (const [name, text] of readGraphQLFiles('operations')) {
      const document = parse(text);
      const operation = getOperationAST(document)!;
      const variables = { id: 'u1', input: { userId: 'u1', items: [{ productId: 'p1', quantity: 1 }], idempotencyKey: 'k' } };
      expect(routers.estimate(document, operation, variables).estimated, name).toBe(own.estimate(document, operation, variables).estimated);
    }
  });
});
