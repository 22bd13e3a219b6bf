/**
 * Demand control over HTTP (security/demand-control.ts): an operation estimated above
 * `MAX_COST` is refused with `COST_ESTIMATED_TOO_EXPENSIVE` before any upstream call
 * (`COST_MODE=enforce`), or let through, counted and logged (`COST_MODE=measure`); the actual cost
 * follows the lists as they came back; `x-graph-cost: 1` shows both in `extensions.cost`.
 */
import type { YogaLogger } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createGraphLogger } from '../telemetry/logger.js';
import { startContractFakes, type Fakes } from './support/contract-fakes.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { graphHarness } from './support/harness.js';
import { writeFakes } from './support/write-fakes.js';

const start = graphHarness();

const COST = { 'x-graph-cost': '1' };

const tooExpensive = (estimated: number, limit: number) => ({
  errors: [
    {
      message: `The operation's estimated cost is ${estimated}, more than the ${limit} an operation may cost.`,
      extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimated, limit },
    },
  ],
});

function upstreamCalls(fakes: Fakes): number {
  return (
    fakes.personal.requests.length + fakes.professional.requests.length + fakes.orders.requests.length + fakes.inventory.requests.length
  );
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}`);

/** The value of a series in `/metrics` (counters), or the `_count` of a histogram's. */
async function series(graph: GraphServer, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${graph.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('demand control: enforced (COST_MODE=enforce, the default)', () => {
  it('refuses an operation above MAX_COST before any upstream call: users(ids:) costs 5 an id', async () => {
    const { graph, fakes } = await start({}, { MAX_COST: '50' });
    const USERS = 'query Users($ids: [ID!]!) { users(ids: $ids) { id } }';
    expect((await graph.query(USERS, { ids: ids(10) })).body.errors).toBeUndefined();
    const calls = upstreamCalls(fakes);
    const refused = await graph.query(USERS, { ids: ids(11) });
    expect([refused.status, refused.body]).toEqual([400, tooExpensive(55, 50)]);
    expect(upstreamCalls(fakes)).toBe(calls);
    // Ten other ids cost what ten did (known by the list's length), and their variables are still checked.
    expect((await graph.query(USERS, { ids: ids(10).reverse() })).body.errors).toBeUndefined();
    const withNull = await graph.query(USERS, { ids: [...ids(9), null] });
    expect([withNull.status, withNull.body.errors?.map((e) => e.extensions?.code)]).toEqual([400, ['BAD_USER_INPUT']]);
    expect(await series(graph, 'graphql_operation_cost_over_limit_total{operation="Users",mode="enforce"}')).toBe(1);
  });

  it("an order page costs its first's worth of orders, literal or variable (@listSize slicing, sizedFields)", async () => {
    const { graph, fakes } = await start({}, { MAX_COST: '50' });
    // user 5 + orders 5 + first x (an order 1).
    expect((await graph.query('{ user(id: "u1") { orders(first: 40) { nodes { id } } } }')).body.errors).toBeUndefined();
    const calls = upstreamCalls(fakes);
    expect((await graph.query('{ user(id: "u1") { orders(first: 41) { nodes { id } } } }')).body).toEqual(tooExpensive(51, 50));
    const ORDERS = 'query ($first: Int) { user(id: "u1") { orders(first: $first) { nodes { id } } } }';
    expect((await graph.query(ORDERS, { first: 41 })).body).toEqual(tooExpensive(51, 50));
    expect(upstreamCalls(fakes)).toBe(calls);
    // Without it, the argument's default (10) sizes the page.
    const { body } = await graph.query('{ user(id: "u1") { orders { nodes { id } } } }', {}, COST);
    expect(body.extensions).toMatchObject({ cost: { estimated: 20, limit: 50 } });
  });

  it('a variable in @include or @skip counts, whatever was asked before with the same document', async () => {
    const { graph } = await start({}, { MAX_COST: '50' });
    const ORDERS = 'query Orders($all: Boolean!) { user(id: "u1") { id orders(first: 41) @include(if: $all) { nodes { id } } } }';
    expect((await graph.query(ORDERS, { all: false })).body).toEqual({ data: { user: { id: 'u1' } } });
    expect((await graph.query(ORDERS, { all: true })).body).toEqual(tooExpensive(51, 50));
    expect((await graph.query(ORDERS, { all: false })).body.errors).toBeUndefined();
  });

  it('a list no argument sizes counts COST_DEFAULT_LIST_SIZE items', async () => {
    const { graph } = await start({}, { MAX_COST: '20', COST_DEFAULT_LIST_SIZE: '10' });
    // order 5 + items 10 x (an item 1) + user 5 = 20; stock on each item is 5 more a line.
    expect((await graph.query('{ order(id: "o1") { items { productId } user { id } } }')).body.errors).toBeUndefined();
    expect((await graph.query('{ order(id: "o1") { items { available } user { id } } }')).body).toEqual(tooExpensive(70, 20));
  });

  it('a mutation costs 10, placeOrder 10 more, its input 1 and each line 1: refused before anything is placed', async () => {
    const write = writeFakes();
    const { graph } = await start(write.handlers, { MAX_COST: '24' });
    const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }';
    const input = (lines: number) => ({
      userId: 'u1',
      idempotencyKey: `key-${lines}`,
      items: Array.from({ length: lines }, (_, i) => ({ productId: `p${i + 1}`, quantity: 1 })),
    });
    // 10 + 10 + input 1 + 2 lines + order 1 = 24.
    const refused = await graph.query(PLACE, { input: input(3) });
    expect(refused.body).toEqual(tooExpensive(25, 24));
    expect(write.state.orders.size).toBe(0);
    const { body } = await graph.query(PLACE, { input: input(2) }, COST);
    expect(body.errors).toBeUndefined();
    expect(body.extensions).toMatchObject({ cost: { estimated: 24, limit: 24 } });
    expect(write.state.orders.size).toBe(1);
  });

  it('fragments that double at every level are refused before anything is fetched, and the server serves on', async () => {
    const { graph, fakes } = await start();
    const fragments = ['fragment F0 on User { id personal { name } }'];
    for (let i = 1; i <= 16; i++) fragments.push(`fragment F${i} on User { ...F${i - 1} ...F${i - 1} }`);
    const { status, body } = await graph.query(`{ user(id: "u1") { ...F16 } } ${fragments.join(' ')}`);
    expect([status, body.errors?.[0]?.extensions]).toEqual([400, { code: 'COST_ESTIMATED_TOO_EXPENSIVE', limit: 5000 }]);
    expect(upstreamCalls(fakes)).toBe(0);
    expect((await graph.query('{ user(id: "u1") { personal { name } } }')).body).toEqual({
      data: { user: { personal: { name: 'Ada Lovelace' } } },
    });
  });
});

describe('demand control: measured (COST_MODE=measure)', () => {
  it('lets an operation above MAX_COST run, and counts and logs it', async () => {
    const fakes = await startContractFakes();
    const lines: Record<string, unknown>[] = [];
    const logger: YogaLogger = createGraphLogger('info', {
      write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>),
    });
    const graph = await startGraph(fakes.urls, { MAX_COST: '50', COST_MODE: 'measure' }, { logger });
    try {
      const { status, body } = await graph.query('query Page { user(id: "u1") { orders(first: 41) { nodes { id } } } }', {}, COST);
      expect(status).toBe(200);
      expect(body.data).toEqual({ user: { orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] } } });
      expect(body.extensions).toEqual({ cost: { estimated: 51, actual: 12, limit: 50 } });
      expect(await series(graph, 'graphql_operation_cost_over_limit_total{operation="Page",mode="measure"}')).toBe(1);
      expect(lines.find((line) => line.msg === 'graphql operation over the cost limit, measured')).toMatchObject({
        operation: 'Page',
        estimated: 51,
        limit: 50,
      });
      expect(lines.find((line) => line.msg === 'graphql operation')).toMatchObject({
        operation: 'Page',
        cost: { estimated: 51, actual: 12 },
      });
    } finally {
      await graph.close();
      await fakes.close();
    }
  });
});

describe('the actual cost: the estimate with each list at the length it came back with', () => {
  const PAGE = 'query Page { user(id: "u1") { orders(first: 10) { nodes { id items { productId } } } } }';

  it('counts the orders and items that came, on every run, compiled or not', async () => {
    const { graph } = await start();
    // Estimated: 5 + 5 + 10 orders x (1 + 10 items x 1) = 120. u1 has two orders, of 1 and 2 items: 10 + 2 + 3.
    // The third run of a document is compiled (COMPILED_EXECUTION_AFTER): the lists count the same there.
    for (let run = 0; run < 4; run++) {
      const { body } = await graph.query(PAGE, {}, COST);
      expect(body.extensions).toEqual({ cost: { estimated: 120, actual: 15, limit: 5000 } });
    }
    const nothing = await graph.query('query Page { user(id: "u3") { orders(first: 10) { nodes { id items { productId } } } } }', {}, COST);
    expect(nothing.body.extensions).toEqual({ cost: { estimated: 120, actual: 10, limit: 5000 } });
    expect(await series(graph, 'graphql_operation_cost_estimated_count{operation="Page"}')).toBe(5);
    expect(await series(graph, 'graphql_operation_cost_actual_sum{operation="Page"}')).toBe(4 * 15 + 10);
  });

  it('counts users(ids:) by the users that came, and an incremental answer tells it in its last part', async () => {
    const { graph } = await start();
    const { body } = await graph.query('{ users(ids: ["u1", "u2", "nobody"]) { id } }', {}, COST);
    expect(body.extensions).toEqual({ cost: { estimated: 15, actual: 15, limit: 5000 } });
    const response = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', ...COST },
      body: JSON.stringify({ query: '{ user(id: "u1") { id ... @defer { orders(first: 5) { nodes { id } } } } }' }),
    });
    const parts = (await response.text()).split('\r\n').filter((line) => line.startsWith('{'));
    const told = parts.map((part) => (JSON.parse(part) as { extensions?: unknown }).extensions);
    expect(told).toEqual([undefined, { cost: { estimated: 15, actual: 12, limit: 5000 } }]);
  });

  it('is not in the answer unless asked for with x-graph-cost: 1', async () => {
    const { graph } = await start();
    expect((await graph.query(PAGE)).body).not.toHaveProperty('extensions');
  });
});
