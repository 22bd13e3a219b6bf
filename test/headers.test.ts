import { beforeEach, describe, expect, it } from 'vitest';
import type { Fakes } from './support/contract-fakes.js';
import type { GraphServer } from './support/graph.js';
import { graphHarness } from './support/harness.js';

const setup = graphHarness();
let fakes: Fakes;
let graph: GraphServer;

beforeEach(async () => {
  ({ fakes, graph } = await setup());
});

// Touches personal, professional, orders and inventory.
const EVERYTHING = '{ user(id: "u1") { personal { name } professional { title } orders { nodes { items { available } } } } }';

const allRequests = () => [fakes.personal, fakes.professional, fakes.orders, fakes.inventory].flatMap((fake) => fake.requests);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  it("passes the caller's id to every upstream call and back in the response", async () => {
    const { headers } = await graph.query(EVERYTHING, {}, { 'x-request-id': 'checkout-7f3a' });
    expect(headers.get('x-request-id')).toBe('checkout-7f3a');
    expect(allRequests()).toHaveLength(4);
    for (const request of allRequests()) expect(request.headers['x-request-id']).toBe('checkout-7f3a');
  });

  it('makes a fresh id when the caller sent none, the same for every call of one request', async () => {
    const first = await graph.query(EVERYTHING);
    const id = first.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    for (const request of allRequests()) expect(request.headers['x-request-id']).toBe(id);
    const second = await graph.query('{ user(id: "u2") { id } }');
    expect(second.headers.get('x-request-id')).toMatch(UUID);
    expect(second.headers.get('x-request-id')).not.toBe(id);
  });

  it('replaces an id that could inject into logs or headers', async () => {
    const { headers } = await graph.query('{ user(id: "u1") { id } }', {}, { 'x-request-id': 'a'.repeat(500) });
    expect(headers.get('x-request-id')).toMatch(UUID);
    expect(fakes.personal.requests[0]!.headers['x-request-id']).toBe(headers.get('x-request-id'));
  });
});

describe('authorization', () => {
  it('is forwarded to personal and orders only', async () => {
    await graph.query(EVERYTHING, {}, { authorization: 'Bearer secret-token' });
    expect(fakes.personal.requests[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(fakes.orders.requests[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(fakes.professional.requests[0]!.headers.authorization).toBeUndefined();
    expect(fakes.inventory.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('is not invented when the caller sent none', async () => {
    await graph.query(EVERYTHING);
    for (const request of allRequests()) expect(request.headers.authorization).toBeUndefined();
  });

  it('does not leak from one request into another', async () => {
    await graph.query('{ user(id: "u1") { id } }', {}, { authorization: 'Bearer one' });
    await graph.query('{ user(id: "u2") { id } }');
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual(['Bearer one', undefined]);
  });
});
