import { beforeEach, describe, expect, it } from 'vitest';
import { ORDERS, PROFILES, USERS, type Fakes } from './support/contract-fakes.js';
import { json } from './support/fake-upstream.js';
import type { GraphServer } from './support/graph.js';
import { graphHarness } from './support/harness.js';

const setup = graphHarness();
let fakes: Fakes;
let graph: GraphServer;

beforeEach(async () => {
  ({ fakes, graph } = await setup());
});

const calls = (fake: { requests: { method: string; url: string }[] }) => fake.requests.map((r) => `${r.method} ${r.url}`);

const PROFILE = /* GraphQL */ `
  query Profile($id: ID!) {
    user(id: $id) {
      id
      personal {
        name
        email
        birthDate
        avatarUrl
        city
      }
      professional {
        company
        title
        skills
        yearsOfExperience
      }
      orders(first: 10) {
        nodes {
          id
          status
          totalCents
          currency
          createdAt
          items {
            productId
            quantity
            unitPriceCents
            available
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

describe('a user with everything', () => {
  it('joins personal, professional, orders and stock in one answer, one call per service', async () => {
    const { status, body } = await graph.query(PROFILE, { id: 'u1' });
    expect(status).toBe(200);
    const { id: _, ...personal } = USERS.u1;
    const { userId: __, ...professional } = PROFILES.u1;
    expect(body).toEqual({
      data: {
        user: {
          id: 'u1',
          personal,
          professional,
          orders: {
            nodes: [
              { ...withoutUser(ORDERS.o2), items: [{ productId: 'p2', quantity: 3, unitPriceCents: 1000, available: 0 }] },
              {
                ...withoutUser(ORDERS.o1),
                items: [
                  { productId: 'p1', quantity: 2, unitPriceCents: 500, available: 5 },
                  { productId: 'p2', quantity: 1, unitPriceCents: 1000, available: 0 },
                ],
              },
            ],
            pageInfo: { hasNextPage: false, endCursor: null },
          },
        },
      },
    });
    expect(calls(fakes.personal)).toEqual(['GET /users/u1']);
    expect(calls(fakes.professional)).toEqual(['GET /profiles/u1']);
    expect(calls(fakes.orders)).toEqual(['GET /users/u1/orders?limit=10']);
    // p2 appears in both orders: asked for once, in one batch.
    expect(calls(fakes.inventory)).toEqual(['GET /stock?productIds=p2,p1']);
  });

  it('is null, without an error, when personal does not know the user', async () => {
    const { body } = await graph.query(PROFILE, { id: 'nobody' });
    expect(body).toEqual({ data: { user: null } });
  });

  it('has a null professional profile, without an error, when professional says 404', async () => {
    const { body } = await graph.query('{ user(id: "u2") { id professional { title } } }');
    expect(body).toEqual({ data: { user: { id: 'u2', professional: null } } });
  });

  it('reads optional personal fields left out as null', async () => {
    fakes.personal.handle((_, res) => json(res, 200, { id: 'u9', name: 'Min', email: 'min@example.com' }));
    const { body } = await graph.query('{ user(id: "u9") { personal { name birthDate avatarUrl city } } }');
    expect(body).toEqual({ data: { user: { personal: { name: 'Min', birthDate: null, avatarUrl: null, city: null } } } });
  });

  it('has no orders, without an error, when the orders service does not know the user', async () => {
    const { body } = await graph.query('{ user(id: "u1") { orders { nodes { id } pageInfo { hasNextPage endCursor } } } }');
    expect(body.data).toEqual({
      user: { orders: { nodes: [{ id: 'o2' }, { id: 'o1' }], pageInfo: { hasNextPage: false, endCursor: null } } },
    });
    fakes.orders.handle((_, res) => json(res, 404, { error: { code: 'NOT_FOUND', message: 'no such user' } }));
    const unknown = await graph.query('{ user(id: "u1") { orders { nodes { id } pageInfo { hasNextPage endCursor } } } }');
    expect(unknown.body).toEqual({ data: { user: { orders: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } } });
  });

  it('encodes ids in paths so that they cannot escape their segment', async () => {
    await graph.query('{ user(id: "../admin?x=1") { id professional { title } } }');
    expect(calls(fakes.personal)).toEqual(['GET /users/..%2Fadmin%3Fx%3D1']);
    expect(calls(fakes.professional)).toEqual(['GET /profiles/..%2Fadmin%3Fx%3D1']);
  });
});

describe('lists', () => {
  it('answers users in the order asked, null for unknown ids, with one personal call and no duplicate', async () => {
    const { body } = await graph.query('{ users(ids: ["u3", "u1", "ghost", "u1"]) { id personal { name } professional { title } } }');
    expect(body).toEqual({
      data: {
        users: [
          { id: 'u3', personal: { name: 'Grace Hopper' }, professional: { title: 'Rear Admiral' } },
          { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } },
          null,
          { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } },
        ],
      },
    });
    expect(calls(fakes.personal)).toEqual(['GET /users?ids=u3,u1,ghost']);
    // No batch endpoint: one call per distinct id, never twice for the same one.
    expect(calls(fakes.professional).sort()).toEqual(['GET /profiles/ghost', 'GET /profiles/u1', 'GET /profiles/u3']);
  });

  it('URL-encodes the ids of a batch call and keeps the commas between them', async () => {
    await graph.query('{ users(ids: ["a,b", "c d"]) { id } }');
    expect(calls(fakes.personal)).toEqual(['GET /users?ids=a%2Cb,c%20d']);
  });

  it('fetches 100 users in one batch call', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `u${i + 1}`);
    const { body } = await graph.query('query($ids: [ID!]!) { users(ids: $ids) { id } }', { ids });
    expect((body.data?.users as unknown[]).length).toBe(100);
    expect(fakes.personal.requests).toHaveLength(1);
    expect(fakes.personal.requests[0]!.query.get('ids')!.split(',')).toEqual(ids);
  });

  it('refuses more than 100 ids without calling any service', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`);
    const { body } = await graph.query('query($ids: [ID!]!) { users(ids: $ids) { id } }', { ids });
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['users'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(fakes.personal.requests).toHaveLength(0);
  });

  it('batches nested lookups across the whole answer, at most 100 keys per call', async () => {
    // 60 x (5 + 5 + 3 orders x (1 + 10 lines x (1 + 5))) = 11580, past the default MAX_COST: allowed here.
    ({ fakes, graph } = await setup({}, { MAX_COST: '20000' }));
    // 60 users with 3 orders of distinct products each: 180 products to look up.
    fakes.orders.handle((request, res) => {
      const userId = decodeURIComponent(request.pathname.split('/')[2]!);
      const orders = [0, 1, 2].map((k) => ({
        ...ORDERS.o1,
        id: `${userId}-o${k}`,
        userId,
        items: [{ productId: `${userId}-p${k}`, quantity: 1, unitPriceCents: 100 }],
      }));
      json(res, 200, { orders, nextCursor: null });
    });
    fakes.personal.handle((request, res) =>
      json(res, 200, {
        users: request.query
          .get('ids')!
          .split(',')
          .map((id) => ({ ...USERS.u2, id })),
      }),
    );
    fakes.inventory.handle((request, res) =>
      json(res, 200, {
        stock: request.query
          .get('productIds')!
          .split(',')
          .map((productId) => ({ productId, available: 1 })),
      }),
    );
    const ids = Array.from({ length: 60 }, (_, i) => `x${i}`);
    const { body } = await graph.query('query($ids: [ID!]!) { users(ids: $ids) { orders(first: 3) { nodes { items { available } } } } }', {
      ids,
    });
    expect(body.errors).toBeUndefined();
    expect(fakes.personal.requests).toHaveLength(1);
    expect(fakes.orders.requests).toHaveLength(60);
    const batches = fakes.inventory.requests.map((r) => r.query.get('productIds')!.split(',').length);
    expect(batches.sort((a, b) => b - a)).toEqual([100, 80]);
  });
});

describe('orders', () => {
  it('answers an order with its user and the stock of its items', async () => {
    const { body } = await graph.query('{ order(id: "o3") { id status user { id personal { name } } items { productId available } } }');
    expect(body).toEqual({
      data: {
        order: {
          id: 'o3',
          status: 'PLACED',
          user: { id: 'u2', personal: { name: 'Alan Turing' } },
          items: [{ productId: 'p3', available: 12 }],
        },
      },
    });
  });

  it('resolves the users of several orders through one personal batch', async () => {
    const { body } = await graph.query(
      '{ a: order(id: "o1") { user { id } } b: order(id: "o3") { user { id } } c: order(id: "o2") { user { id } } }',
    );
    expect(body).toEqual({ data: { a: { user: { id: 'u1' } }, b: { user: { id: 'u2' } }, c: { user: { id: 'u1' } } } });
    expect(calls(fakes.orders)).toEqual(['GET /orders?ids=o1,o3,o2']);
    expect(calls(fakes.personal)).toEqual(['GET /users?ids=u1,u2']);
  });

  it('is null, without an error, when orders does not know the order', async () => {
    const { body } = await graph.query('{ order(id: "o404") { id } }');
    expect(body).toEqual({ data: { order: null } });
  });

  it("pages through a user's orders with the cursor the service gave", async () => {
    const first = await graph.query('{ user(id: "u1") { orders(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } } }');
    expect(first.body.data).toEqual({ user: { orders: { nodes: [{ id: 'o2' }], pageInfo: { hasNextPage: true, endCursor: '1' } } } });
    const second = await graph.query(
      '{ user(id: "u1") { orders(first: 1, after: "1") { nodes { id } pageInfo { hasNextPage endCursor } } } }',
    );
    expect(second.body.data).toEqual({ user: { orders: { nodes: [{ id: 'o1' }], pageInfo: { hasNextPage: false, endCursor: null } } } });
    expect(calls(fakes.orders)).toEqual(['GET /users/u1/orders?limit=1', 'GET /users/u1/orders?limit=1&cursor=1']);
  });

  it('sends a cursor percent-encoded, so that the service reads back exactly what it gave', async () => {
    const cursor = 'a b+c&d=e/\u00e9';
    await graph.query('query ($after: String) { user(id: "u1") { orders(first: 1, after: $after) { nodes { id } } } }', { after: cursor });
    const [sent] = fakes.orders.requests.map((r) => new URL(r.url, 'http://upstream'));
    expect(sent?.searchParams.get('limit')).toBe('1');
    // Read as RFC 3986 reads it (no `+` for a space): what the service gets back is the cursor itself.
    expect(decodeURIComponent(/[?&]cursor=([^&]*)/.exec(sent!.search)![1]!)).toBe(cursor);
  });

  it.each([0, 101, -5])('refuses first: %i as BAD_USER_INPUT and calls no orders', async (first) => {
    const { body } = await graph.query(`{ user(id: "u1") { id orders(first: ${first}) { nodes { id } } } }`);
    expect(body.data).toEqual({ user: { id: 'u1', orders: null } });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['user', 'orders'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(fakes.orders.requests).toHaveLength(0);
  });

  it('fetches two differently paged selections of the same user separately, each once', async () => {
    const { body } = await graph.query(
      '{ user(id: "u1") { ' +
        'a: orders(first: 1) { nodes { id } } b: orders(first: 2) { nodes { id } } c: orders(first: 1) { nodes { id } } } }',
    );
    expect(body.data).toEqual({
      user: { a: { nodes: [{ id: 'o2' }] }, b: { nodes: [{ id: 'o2' }, { id: 'o1' }] }, c: { nodes: [{ id: 'o2' }] } },
    });
    expect(calls(fakes.orders).sort()).toEqual(['GET /users/u1/orders?limit=1', 'GET /users/u1/orders?limit=2']);
  });
});

describe('connections', () => {
  it('are kept alive and reused across requests', async () => {
    for (const id of ['u1', 'u2', 'u3']) await graph.query(`{ user(id: "${id}") { professional { title } } }`);
    expect(fakes.professional.requests).toHaveLength(3);
    expect(new Set(fakes.professional.requests.map((r) => r.remotePort)).size).toBe(1);
  });
});

describe('selection', () => {
  it('calls only the services the query needs', async () => {
    await graph.query('{ user(id: "u1") { personal { name } } }');
    expect(fakes.personal.requests).toHaveLength(1);
    expect(fakes.professional.requests).toHaveLength(0);
    expect(fakes.orders.requests).toHaveLength(0);
  });

  it('honours @skip and fragments when starting loads early', async () => {
    const { body } = await graph.query(
      'query($skip: Boolean!) { user(id: "u1") { ...F professional @skip(if: $skip) { title } } } ' +
        'fragment F on User { ... on User { orders(first: 1) { nodes { id } } } }',
      { skip: true },
    );
    expect(body).toEqual({ data: { user: { orders: { nodes: [{ id: 'o2' }] } } } });
    expect(fakes.professional.requests).toHaveLength(0);
    expect(fakes.orders.requests).toHaveLength(1);
  });

  it("decides @skip and @include by each request's variables, for a document seen before too", async () => {
    const query = 'query($with: Boolean!) { user(id: "u1") { personal { name } professional @include(if: $with) { title } } }';
    for (const [included, calls] of [
      [true, 1],
      [false, 1],
      [true, 2],
    ] as const) {
      const { body } = await graph.query(query, { with: included });
      expect(body.data?.user).toEqual({
        personal: { name: 'Ada Lovelace' },
        ...(included ? { professional: { title: 'Programmer' } } : {}),
      });
      expect(fakes.professional.requests).toHaveLength(calls);
    }
  });
});

function withoutUser<T extends { userId: string; items: unknown }>(order: T): Omit<T, 'userId' | 'items'> {
  const { userId: _, items: __, ...rest } = order;
  return rest;
}
