/**
 * Concurrency is proven without clocks: the fakes hold their answers until every request
 * the test expects in parallel has arrived. Were the graph to make them one after the
 * other, the barrier would never open and the test would fail on its timeout.
 */
import { describe, expect, it } from 'vitest';
import { contractHandlers, USERS } from './support/contract-fakes.js';
import { Barrier, json, notFound, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';

const setup = graphHarness();

const held =
  (barrier: Barrier, handler: Handler): Handler =>
  async (request, res) => {
    await barrier.arrive();
    await handler(request, res);
  };

describe('the profile fan-out', () => {
  it('asks personal, professional and orders at the same time, for a query seen before too', async () => {
    // A barrier for each request: the second one finds the query's selection already known.
    let barrier = new Barrier(3);
    const heldNow =
      (handler: Handler): Handler =>
      (request, res) =>
        held(barrier, handler)(request, res);
    const { graph } = await setup({
      personal: heldNow(contractHandlers.personal),
      professional: heldNow(contractHandlers.professional),
      orders: heldNow(contractHandlers.orders),
    });
    for (const _ of ['first', 'again']) {
      barrier = new Barrier(3);
      const { body } = await graph.query('{ user(id: "u1") { personal { name } professional { title } orders { nodes { id } } } }');
      expect(body).toEqual({
        data: {
          user: {
            personal: { name: 'Ada Lovelace' },
            professional: { title: 'Programmer' },
            orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] },
          },
        },
      });
      expect(barrier.arrivals).toBe(3);
    }
  });

  it('starts the loads of every user of a list together with the personal batch', async () => {
    // personal (1 batch) + professional (3 users) + orders (3 users) all in flight at once.
    const barrier = new Barrier(7);
    const { graph } = await setup({
      personal: held(barrier, contractHandlers.personal),
      professional: held(barrier, contractHandlers.professional),
      orders: held(barrier, contractHandlers.orders),
    });
    const { body } = await graph.query(
      '{ users(ids: ["u1", "u2", "u3"]) { id professional { title } orders(first: 1) { nodes { id } } } }',
    );
    expect(body).toEqual({
      data: {
        users: [
          { id: 'u1', professional: { title: 'Programmer' }, orders: { nodes: [{ id: 'o2' }] } },
          { id: 'u2', professional: null, orders: { nodes: [{ id: 'o3' }] } },
          { id: 'u3', professional: { title: 'Rear Admiral' }, orders: { nodes: [] } },
        ],
      },
    });
  });
});

describe('services without a batch endpoint', () => {
  it('get one call per user, never more in flight than the configured limit', async () => {
    const limit = 3;
    const users = Array.from({ length: 10 }, (_, i) => ({ ...USERS.u2, id: `w${i}` }));
    let inFlight = 0;
    let peak = 0;
    let pending: (() => void)[] = [];
    let answered = 0;
    const personal: Handler = (request, res) =>
      json(res, 200, { users: users.filter((u) => request.query.get('ids')!.split(',').includes(u.id)) });
    // Holds every call until `limit` are in flight (or the last ones have come), then answers them:
    // a graph that ignored the limit would be seen with more than `limit` at once.
    const professional: Handler = (_request, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      pending.push(() => {
        inFlight--;
        answered++;
        notFound(res);
      });
      if (inFlight === limit || answered + inFlight === users.length) {
        const release = pending;
        pending = [];
        release.forEach((answer) => answer());
      }
    };
    const { fakes, graph } = await setup({ personal, professional }, { PROFESSIONAL_MAX_CONCURRENCY: String(limit) });
    const { body } = await graph.query('query($ids: [ID!]!) { users(ids: $ids) { id professional { title } } }', {
      ids: users.map((u) => u.id),
    });
    expect(body).toEqual({ data: { users: users.map((u) => ({ id: u.id, professional: null })) } });
    expect(fakes.professional.requests).toHaveLength(10);
    expect(peak).toBe(limit);
  });
});
