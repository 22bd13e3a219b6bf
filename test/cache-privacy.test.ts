/**
 * The upstream cache never gives a caller another's data: generated documents (fields, aliases,
 * fragments, inline fragments, batches through users(ids:), order lookups, _entities) asked by
 * several callers (other users, another role, the same user with another token), in a seeded
 * shuffled order, of two replicas with the cache on; each answer must be, byte for byte, the one
 * a graph with the cache off gives the same caller, over the same fake services. The fakes answer
 * per caller, as the contract allows personal and orders to: `city` only to its owner or an admin,
 * another user's order 404, another user's order pages empty; their answers are `private`
 * (personal's with `Vary: Authorization`, orders' without: the cache keys them per caller all the
 * same), professional's and inventory's `public`.
 */
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../demo/seeded-random.js';
import { ORDERS, ORDERS_OF_USER, PROFILES, STOCK, USERS, startContractFakes } from './support/contract-fakes.js';
import { EXAMPLES } from './support/differential-cases.js';
import { json, type Handler, type RecordedRequest } from './support/fake-upstream.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { QueryFuzzer } from './support/query-fuzzer.js';
import { processHarness } from './support/process-harness.js';
import { HMAC_AUTH, hmacToken } from './support/tokens.js';
import { hasRedis, startRedis } from './support/redis-server.js';

const schema = buildSchema(readFileSync(new URL('../generated/schema.graphql', import.meta.url), 'utf8'));

/** Tokens are opaque to the graph (authentication is off) and read by the fakes: `Bearer <user>:<role>:<n>`. */
const CALLERS = [
  'Bearer u1:customer:1',
  'Bearer u1:customer:2',
  'Bearer u1:admin:1',
  'Bearer u2:customer:1',
  'Bearer u3:admin:1',
  undefined,
];

function callerOf(request: RecordedRequest): { user: string | undefined; admin: boolean } {
  const [user, role] = String(request.headers.authorization ?? '')
    .replace(/^Bearer /, '')
    .split(':');
  return { user: user === '' ? undefined : user, admin: role === 'admin' };
}

const PRIVATE = { 'content-type': 'application/json', 'cache-control': 'private, max-age=60', vary: 'Authorization' };
/** Orders says `private` without `Vary`: the cache must still keep its answers per caller. */
const PRIVATE_NO_VARY = { 'content-type': 'application/json', 'cache-control': 'private, max-age=30' };
const PUBLIC = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' };
const send = (res: Parameters<Handler>[1], status: number, body: unknown, headers: Record<string, string>) =>
  res.writeHead(status, headers).end(JSON.stringify(body));
const has = <T extends object>(table: T, id: string): id is Extract<keyof T, string> => Object.hasOwn(table, id);
const idsOf = (request: RecordedRequest, name: string) => (request.query.get(name) ?? '').split(',').filter(Boolean);

const perCaller: Partial<Record<'personal' | 'professional' | 'orders' | 'inventory', Handler>> = {
  personal: (request, res) => {
    const { user, admin } = callerOf(request);
    const seen = (id: string) => ({
      ...USERS[id as keyof typeof USERS],
      city: admin || user === id ? USERS[id as keyof typeof USERS].city : null,
    });
    const single = /^\/users\/([^/]+)$/.exec(request.pathname);
    if (single) {
      const id = decodeURIComponent(single[1]!);
      return has(USERS, id) ? send(res, 200, seen(id), PRIVATE) : json(res, 404, { error: { code: 'NOT_FOUND', message: 'no user' } });
    }
    send(res, 200, { users: idsOf(request, 'ids').flatMap((id) => (has(USERS, id) ? [seen(id)] : [])) }, PRIVATE);
  },
  professional: (request, res) => {
    const id = decodeURIComponent(request.pathname.split('/')[2] ?? '');
    if (has(PROFILES, id)) send(res, 200, PROFILES[id], PUBLIC);
    else send(res, 404, { error: { code: 'NOT_FOUND', message: 'no profile' } }, PUBLIC);
  },
  orders: (request, res) => {
    const { user, admin } = callerOf(request);
    const mine = (id: string) => has(ORDERS, id) && (admin || ORDERS[id].userId === user);
    const single = /^\/orders\/([^/]+)$/.exec(request.pathname);
    if (single) {
      const id = decodeURIComponent(single[1]!);
      return mine(id)
        ? send(res, 200, ORDERS[id as keyof typeof ORDERS], PRIVATE_NO_VARY)
        : json(res, 404, { error: { code: 'NOT_FOUND', message: 'no' } });
    }
    if (request.pathname === '/orders')
      return send(
        res,
        200,
        {
          orders: idsOf(request, 'ids')
            .filter(mine)
            .map((id) => ORDERS[id as keyof typeof ORDERS]),
        },
        PRIVATE_NO_VARY,
      );
    const page = /^\/users\/([^/]+)\/orders$/.exec(request.pathname);
    const owner = decodeURIComponent(page?.[1] ?? '');
    const all = admin || owner === user ? (ORDERS_OF_USER[owner] ?? []).map((id) => ORDERS[id]) : [];
    const limit = Number(request.query.get('limit') ?? 20);
    const offset = Number(request.query.get('cursor') ?? 0);
    send(
      res,
      200,
      { orders: all.slice(offset, offset + limit), nextCursor: offset + limit < all.length ? String(offset + limit) : null },
      PRIVATE_NO_VARY,
    );
  },
  inventory: (request, res) =>
    send(
      res,
      200,
      {
        stock: idsOf(request, 'productIds').flatMap((productId) =>
          has(STOCK, productId) ? [{ productId, available: STOCK[productId] }] : [],
        ),
      },
      PUBLIC,
    ),
};

/** Documents the generator does not reach: batches of users with cities, orders, _entities. */
const HAND_WRITTEN = [
  '{ users(ids: ["u1", "u2", "u3"]) { id personal { name city } } }',
  '{ a: user(id: "u1") { personal { city } } b: user(id: "u2") { personal { c: city } } }',
  '{ order(id: "o1") { id items { productId available } user { personal { city } } } }',
  '{ o3: order(id: "o3") { id } o1: order(id: "o1") { id status } }',
  '{ user(id: "u1") { orders(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } ...P } } ' +
    'fragment P on User { personal { city } }',
  '{ user(id: "u2") { ... on User { orders { nodes { id totalCents } } } professional { company } } }',
  '{ _entities(representations: [{__typename: "User", id: "u1"}, {__typename: "Order", id: "o3"}, {__typename: "User", id: "u2"}]) ' +
    '{ ... on User { personal { city } } ... on Order { id status } } }',
];

/** The answer as sent, but errors in a fixed order (calls answered at once may fail in any order). */
async function answer(
  graph: GraphServer,
  query: string,
  variables: Record<string, unknown>,
  authorization: string | undefined,
): Promise<string> {
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!text.startsWith('{')) throw new Error(`not JSON for ${query}: ${text.slice(0, 200)}`);
  const parsed = JSON.parse(text) as { errors?: unknown[] };
  if (parsed.errors === undefined) return `${response.status} ${text}`;
  return `${response.status} ${JSON.stringify({ ...parsed, errors: parsed.errors.map((e) => JSON.stringify(e)).sort() })}`;
}

describe('the upstream cache and privacy', () => {
  for (const tier of ['memory', 'redis'] as const)
    it.skipIf(tier === 'redis' && !hasRedis)(
      `gives every caller, on either replica, byte for byte the answer it gets with the cache off (${tier})`,
      { timeout: 60_000 },
      async () => {
        const redis = tier === 'redis' ? await startRedis() : undefined;
        const env: Record<string, string> = redis === undefined ? {} : { REDIS_URL: redis.url, REDIS_PREFIX: 'privacy' };
        const fakes = await startContractFakes(perCaller);
        const replicas = [await startGraph(fakes.urls, env), await startGraph(fakes.urls, env)];
        const uncached = await startGraph(fakes.urls, { UPSTREAM_CACHE: 'off' });
        try {
          const fuzzer = new QueryFuzzer(schema, 20261207);
          const documents = [
            ...HAND_WRITTEN.map((query) => ({ query, variables: {} })),
            ...EXAMPLES.filter((query) => !/@defer|@stream/.test(query)).map((query) => ({ query, variables: { id: 'u1' } })),
          ];
          while (documents.length < 120) {
            const operation = fuzzer.valid();
            if (!operation.query.startsWith('mutation') && !/@defer|@stream/.test(operation.query)) documents.push(operation);
          }
          // Every document for every caller, twice (the second time from the cache), in a seeded shuffled order.
          const asks = documents.flatMap((document) => CALLERS.flatMap((caller) => [0, 1].map(() => ({ document, caller }))));
          const random = seededRandom(7);
          for (let i = asks.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [asks[i], asks[j]] = [asks[j]!, asks[i]!];
          }
          let compared = 0;
          for (const [n, { document, caller }] of asks.entries()) {
            const replica = replicas[n % 2]!;
            const mine = await answer(replica, document.query, document.variables, caller);
            const truth = await answer(uncached, document.query, document.variables, caller);
            expect({ document, caller, answer: mine }).toEqual({ document, caller, answer: truth });
            compared += 1;
          }
          expect(compared).toBe(documents.length * CALLERS.length * 2);
          // The cache did answer: this test would prove little if it never hit.
          const hits = await (await fetch(`${replicas[0]!.url}/metrics`)).text();
          expect(
            Number(/upstream_cache_lookups_total\{service="personal",tier="memory",result="hit"\} (\d+)/.exec(hits)?.[1]),
          ).toBeGreaterThan(20);
        } finally {
          await Promise.all([...replicas, uncached].map((graph) => graph.close()));
          await fakes.close();
          await redis?.stop();
        }
      },
    );
});

describe('the embedded demo with authentication on', () => {
  const processes = processHarness();

  it('answers each caller as the demo services verify their token: city only to its owner, cached per caller', async () => {
    const { url } = await processes.server({ ...HMAC_AUTH });
    const cityAs = async (token: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ user(id: "u1") { personal { city } } }' }),
      });
      return ((await response.json()) as { data: { user: { personal: { city: string | null } } } }).data.user.personal.city;
    };
    const [owner, other, admin] = await Promise.all([hmacToken('u1'), hmacToken('u2'), hmacToken('u3', { roles: ['admin'] })]);
    const city = await cityAs(owner);
    expect(city).toEqual(expect.any(String));
    // The owner's answer is in the cache now: never another caller's.
    expect(await cityAs(other)).toBeNull();
    expect(await cityAs(admin)).toBe(city);
    expect(await cityAs(other)).toBeNull();
    expect(await cityAs(owner)).toBe(city);
  });
});
