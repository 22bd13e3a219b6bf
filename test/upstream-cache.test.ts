/**
 * What spares an upstream calls: the upstream cache (datasources/upstream-cache.ts: what it keeps,
 * for whom, for how long, stale-if-error when the service fails, our own writes seen at once, one
 * call for many) and batches split to fit the URL limit. The fakes' request logs say what the
 * upstream saw.
 */
import { describe, expect, it } from 'vitest';
import { PROFILES, USERS } from './support/contract-fakes.js';
import { Barrier, deferred, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { input, PLACE, QUICK } from './support/saga-backends.js';
import { HEALTHY_PROFILE, PROFILE_QUERY, profile, QUICK_RETRIES, unavailable } from './support/sick-upstream.js';
import { writeFakes } from './support/write-fakes.js';

const setup = graphHarness();

/** An answer of `body` with the given headers. */
const answering =
  (body: unknown, headers: Record<string, string>, status = 200): Handler =>
  (_, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const PERSONAL_QUERY = '{ user(id: "u1") { personal { name } } }';
const NAME = { data: { user: { personal: { name: 'Ada Lovelace' } } } };
const PRIVATE = { 'cache-control': 'private, max-age=60', vary: 'Authorization' };

/** The series of upstream_cache_lookups_total, as `service tier result value` lines. */
async function lookups(url: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^upstream_cache_lookups_total\{service="(\w+)",tier="(\w+)",result="(\w+)"\} (\d+)/gm)].map((m) =>
    m.slice(1).join(' '),
  );
}

/** Polls /metrics until `predicate` holds: what the graph has done, observed, not waited for by the clock. */
async function until(url: string, predicate: (lines: string[]) => boolean): Promise<void> {
  for (;;) {
    if (predicate(await lookups(url))) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the upstream cache: what it keeps, for how long', () => {
  const staleAtOnce = (cacheControl: string): Handler => answering(PROFILES.u1, { 'cache-control': cacheControl, etag: '"v1"' });

  it('keeps answers that carry Cache-Control for as long as they say', async () => {
    const { fakes, graph } = await setup({ professional: answering(PROFILES.u1, { 'cache-control': 'max-age=60' }) });
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(1);
    expect(await lookups(graph.url)).toEqual(expect.arrayContaining(['professional memory hit 1', 'professional memory miss 1']));
  });

  it('does not keep answers without Cache-Control, marked no-store or Vary: *, or an error status', async () => {
    for (const handler of [
      profile,
      answering(PROFILES.u1, { 'cache-control': 'no-store' }),
      answering(PROFILES.u1, { 'cache-control': 'max-age=60', vary: '*' }),
      answering({ error: { code: 'NOPE', message: 'no' } }, { 'cache-control': 'max-age=60' }, 400),
    ]) {
      const { fakes, graph } = await setup({ professional: handler });
      await graph.query(PROFILE_QUERY);
      await graph.query(PROFILE_QUERY);
      expect(fakes.professional.requests).toHaveLength(2);
    }
  });

  it('reuses a 404 that carries freshness (professional\'s "no profile") like a 200', async () => {
    const { fakes, graph } = await setup({
      professional: answering({ error: { code: 'NOT_FOUND', message: 'no profile' } }, { 'cache-control': 'public, max-age=300' }, 404),
    });
    const query = '{ user(id: "u2") { id professional { title } } }';
    for (let i = 0; i < 2; i++) expect((await graph.query(query)).body).toEqual({ data: { user: { id: 'u2', professional: null } } });
    expect(fakes.professional.requests).toHaveLength(1);
  });

  it('revalidates a stale answer with If-None-Match, and a 304 renews it', async () => {
    const { fakes, graph } = await setup({ professional: staleAtOnce('max-age=0') });
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    fakes.professional.handle((request, res) => {
      if (request.headers['if-none-match'] === '"v1"')
        return void res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' }).end();
      profile(request, res);
    });
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    // Renewed for 60 s by the 304: the next read asks nothing.
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"']);
    expect(await lookups(graph.url)).toEqual(expect.arrayContaining(['professional memory revalidated 1', 'professional memory hit 1']));
  });

  it('serves a stale answer within stale-if-error when the upstream answers 503', async () => {
    const { fakes, graph } = await setup({ professional: staleAtOnce('max-age=0, stale-if-error=60') }, QUICK_RETRIES);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    fakes.professional.handle(unavailable);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests.length).toBeGreaterThan(1);
    expect(await lookups(graph.url)).toContain('professional memory stale 1');
  });

  it('serves a stale answer within stale-if-error when the upstream is unreachable or its circuit open', async () => {
    const { fakes, graph } = await setup(
      { professional: staleAtOnce('max-age=0, stale-if-error=60') },
      {
        UPSTREAM_MAX_RETRIES: '0',
        PROFESSIONAL_CIRCUIT_MIN_CALLS: '2',
      },
    );
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    fakes.professional.handle((_, res) => res.socket?.destroy());
    for (let i = 0; i < 4; i++) expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    // Two failed calls opened the circuit; the rest never reached the service.
    expect(fakes.professional.requests).toHaveLength(3);
  });

  it('does not serve a stale answer without stale-if-error', async () => {
    const { fakes, graph } = await setup({ professional: staleAtOnce('max-age=0') }, QUICK_RETRIES);
    await graph.query(PROFILE_QUERY);
    fakes.professional.handle(unavailable);
    expect((await graph.query(PROFILE_QUERY)).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('serves a fresh answer while the circuit is open: the lookup comes before the breaker', async () => {
    const { fakes, graph } = await setup(
      { professional: answering(PROFILES.u1, { 'cache-control': 'max-age=60' }) },
      { UPSTREAM_MAX_RETRIES: '0', PROFESSIONAL_CIRCUIT_MIN_CALLS: '2' },
    );
    await graph.query(PROFILE_QUERY);
    fakes.professional.handle(unavailable);
    // Other users' profiles fail until the circuit opens...
    for (const id of ['u2', 'u3', 'u4']) await graph.query(`{ user(id: "${id}") { professional { title } } }`);
    expect((await graph.query('{ user(id: "u3") { professional { title } } }')).body.errors?.[0]?.extensions?.circuit).toBe('open');
    // ...and u1's fresh profile is still served.
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
  });

  it("answers the graph's own answers with Cache-Control: private, no-store and Vary: Authorization", async () => {
    const { graph } = await setup();
    const { headers } = await graph.query(PERSONAL_QUERY);
    expect([headers.get('cache-control'), headers.get('vary')]).toEqual(['private, no-store', 'Authorization']);
  });
});

describe('the upstream cache: purged by an operator', () => {
  const ADMIN = 'admin-token-0123456789';
  const purge = (url: string, body: unknown, token = ADMIN) =>
    fetch(`${url}/admin/cache/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));

  it("drops one resource's entries, or a service's, for data changed out of band", async () => {
    const { fakes, graph } = await setup(
      { professional: answering(PROFILES.u1, { 'cache-control': 'max-age=60' }) },
      { ADMIN_TOKEN: ADMIN },
    );
    await graph.query(PROFILE_QUERY);
    await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(1);
    expect((await purge(graph.url, { service: 'professional', path: '/profiles/u1' }, 'wrong-token-0123456789')).status).toBe(401);
    expect(await purge(graph.url, { service: 'professional', path: '/profiles/u1' })).toEqual({
      status: 200,
      body: { service: 'professional', path: '/profiles/u1', purged: 1 },
    });
    await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(2);
    expect(await purge(graph.url, { service: 'professional' })).toEqual({ status: 200, body: { service: 'professional', purged: 1 } });
    await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(3);
    expect((await purge(graph.url, { service: 'billing' })).status).toBe(404);
    expect((await purge(graph.url, { path: 'no-slash' })).status).toBe(400);
  });
});

describe('the upstream cache: whose answer it is', () => {
  it('keeps a private answer for the caller it was given to, by the exact credentials sent', async () => {
    const { fakes, graph } = await setup({ personal: answering(USERS.u1, PRIVATE) });
    const as = (authorization: string) => graph.query(PERSONAL_QUERY, {}, { authorization });
    for (const authorization of ['Bearer alice', 'Bearer alice', 'Bearer mallory', 'Bearer alice-as-admin', 'Bearer mallory'])
      expect((await as(authorization)).body).toEqual(NAME);
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer alice',
      'Bearer mallory',
      'Bearer alice-as-admin',
    ]);
  });

  it('while authentication is off, requests without credentials share one anonymous scope, apart from any with them', async () => {
    const { fakes, graph } = await setup({ personal: answering(USERS.u1, PRIVATE) });
    for (const headers of [{}, {}, { authorization: 'Bearer alice' }, {}, { authorization: 'Bearer alice' }] as Record<string, string>[])
      expect((await graph.query(PERSONAL_QUERY, {}, headers)).body).toEqual(NAME);
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer alice']);
  });

  it('shares an answer marked public, even to a request with credentials (RFC 9111 3.5)', async () => {
    const { fakes, graph } = await setup({ personal: answering(USERS.u1, { 'cache-control': 'public, max-age=60' }) });
    await graph.query(PERSONAL_QUERY, {}, { authorization: 'Bearer alice' });
    await graph.query(PERSONAL_QUERY, {}, { authorization: 'Bearer mallory' });
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual(['Bearer alice']);
  });

  it('marks what it answered in the upstream call list', async () => {
    const { graph } = await setup({ professional: answering(PROFILES.u1, { 'cache-control': 'max-age=60' }) });
    await graph.query(PROFILE_QUERY);
    const { body } = await graph.query(PROFILE_QUERY, {}, { 'x-graph-upstream-calls': '1' });
    const calls = (body as { extensions: { upstreamCalls: { service: string; cacheHit: boolean; cache: string | null }[] } }).extensions
      .upstreamCalls;
    expect(calls.find((call) => call.service === 'professional')).toMatchObject({
      cacheHit: true,
      cache: 'memory',
      attempt: 0,
      status: 200,
    });
    expect(calls.find((call) => call.service === 'personal')).toMatchObject({ cacheHit: false, cache: null, attempt: 1 });
  });
});

describe('the upstream cache: a batch one id at a time', () => {
  /** Personal answering from the contract fakes' users, private per caller as the contract has it. */
  const privateUsers: Handler = (request, res) => {
    const single = /^\/users\/([^/]+)$/.exec(request.pathname);
    if (single) {
      const user = USERS[single[1] as keyof typeof USERS];
      return user === undefined
        ? answering({ error: { code: 'NOT_FOUND', message: 'no' } }, {}, 404)(request, res)
        : answering(user, PRIVATE)(request, res);
    }
    const ids = (request.query.get('ids') ?? '').split(',');
    answering({ users: ids.flatMap((id) => USERS[id as keyof typeof USERS] ?? []) }, PRIVATE)(request, res);
  };

  it('asks the service only for the ids it does not hold, for the same caller', async () => {
    const { fakes, graph } = await setup({ personal: privateUsers });
    const names = (ids: string[], authorization = 'Bearer alice') =>
      graph.query('query ($ids: [ID!]!) { users(ids: $ids) { personal { name } } }', { ids }, { authorization });
    expect((await names(['u1', 'u2'])).body.data).toEqual({
      users: [{ personal: { name: 'Ada Lovelace' } }, { personal: { name: 'Alan Turing' } }],
    });
    expect((await names(['u2', 'u3', 'u1'])).body.data).toEqual({
      users: [{ personal: { name: 'Alan Turing' } }, { personal: { name: 'Grace Hopper' } }, { personal: { name: 'Ada Lovelace' } }],
    });
    // One of them alone, by its single form's loader: held too.
    expect((await graph.query(PERSONAL_QUERY, {}, { authorization: 'Bearer alice' })).body).toEqual(NAME);
    // Another caller holds nothing.
    await names(['u1'], 'Bearer mallory');
    expect(fakes.personal.requests.map((r) => `${r.url} ${String(r.headers.authorization)}`)).toEqual([
      '/users?ids=u1,u2 Bearer alice',
      '/users?ids=u3 Bearer alice',
      '/users/u1 Bearer mallory',
    ]);
  });
});

describe('the upstream cache: our own writes', () => {
  /** Inventory answering from the write fakes' stock, `public, max-age=10` as the contract has it. */
  function cachedStock(write: ReturnType<typeof writeFakes>): Handler {
    return (request, res) => {
      if (request.method === 'GET' && request.pathname === '/stock') {
        const stock = (request.query.get('productIds') ?? '')
          .split(',')
          .flatMap((productId) => (write.state.stock.has(productId) ? [{ productId, available: write.state.stock.get(productId)! }] : []));
        return answering({ stock }, { 'cache-control': 'public, max-age=10, stale-if-error=300' })(request, res);
      }
      return write.handlers.inventory(request, res);
    };
  }
  const AVAILABLE = '{ order(id: "o1") { items { productId available } } }';

  it('shows the stock placeOrder reserved at once', async () => {
    const write = writeFakes();
    const { fakes, graph } = await setup({ ...write.handlers, inventory: cachedStock(write) }, QUICK);
    const available = async () => (await graph.query(AVAILABLE)).body.data;
    expect(await available()).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 5 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
    expect(await available()).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 5 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
    const stockReads = () => fakes.inventory.requests.filter((r) => r.method === 'GET').length;
    expect(stockReads()).toBe(1);
    const placed = await graph.query(PLACE, input('key-1', [{ productId: 'p1', quantity: 2 }]));
    expect(placed.body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' } });
    expect(await available()).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 3 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
    expect(stockReads()).toBe(2);
  });

  it('shows the stock back at once after a refused order released its reservation (compensation)', async () => {
    const write = writeFakes();
    const { graph } = await setup({ ...write.handlers, inventory: cachedStock(write) }, QUICK);
    const p3 = async () => (await graph.query('{ order(id: "o3") { items { productId available } } }')).body.data;
    expect(await p3()).toEqual({ order: { items: [{ productId: 'p3', available: 12 }] } });
    // Meanwhile another system sells one (out of band: the cache may show 12 until max-age)...
    write.state.stock.set('p3', 11);
    // ...and inventory reserves 11 of 11; orders refuses more than 10 a line: the reservation is released.
    const refused = await graph.query(PLACE, input('key-1', [{ productId: 'p3', quantity: 11 }]));
    expect(refused.body.data?.placeOrder).toMatchObject({ order: null, userErrors: [{ code: 'INVALID_ORDER' }] });
    expect([...write.state.reservations.values()].map((r) => r.released)).toEqual([true]);
    // What the service has after our reservation and its release, not what was cached before them.
    expect(await p3()).toEqual({ order: { items: [{ productId: 'p3', available: 11 }] } });
  });

  it('never keeps what a read in flight during the write brings back afterwards', async () => {
    const write = writeFakes();
    const hold = deferred();
    let held = true;
    const stock = cachedStock(write);
    const { fakes, graph } = await setup(
      {
        ...write.handlers,
        inventory: async (request, res) => {
          if (request.method !== 'GET' || !held) return stock(request, res);
          held = false;
          // The answer as of now (before the reservation), delivered after it.
          const before = {
            stock: [
              { productId: 'p1', available: write.state.stock.get('p1')! },
              { productId: 'p2', available: 0 },
            ],
          };
          await hold.promise;
          answering(before, { 'cache-control': 'public, max-age=10' })(request, res);
        },
      },
      QUICK,
    );
    const early = graph.query(AVAILABLE);
    await fakes.inventory.received(1);
    const placed = await graph.query(PLACE, input('key-1', [{ productId: 'p1', quantity: 2 }]));
    expect(placed.body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' } });
    hold.resolve();
    // The read that started before the write answers what it got...
    expect((await early).body.data).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 5 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
    // ...and it is not served to anyone after the write.
    expect((await graph.query(AVAILABLE)).body.data).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 3 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
  });

  it("shows the caller's new order in their order pages at once", async () => {
    const write = writeFakes();
    const pages: Handler = (request, res) => {
      const page = /^\/users\/([^/]+)\/orders$/.exec(request.pathname);
      if (request.method === 'GET' && page) {
        const orders = [...write.state.orders.values()].filter((order) => order.userId === page[1]).reverse();
        return answering({ orders, nextCursor: null }, PRIVATE)(request, res);
      }
      return write.handlers.orders(request, res);
    };
    const { graph } = await setup({ ...write.handlers, orders: pages }, QUICK);
    const mine = async () =>
      (await graph.query('{ user(id: "u1") { orders { nodes { id } } } }', {}, { authorization: 'Bearer u1' })).body.data;
    expect(await mine()).toEqual({ user: { orders: { nodes: [] } } });
    const placed = await graph.query(PLACE, input('key-1'), { authorization: 'Bearer u1' });
    const { id } = (placed.body.data?.placeOrder as { order: { id: string } }).order;
    expect(await mine()).toEqual({ user: { orders: { nodes: [{ id }] } } });
  });
});

describe('the upstream cache: one call for many', () => {
  it('makes one call for 16 concurrent reads of the same cold public profile', async () => {
    const release = deferred();
    const { fakes, graph } = await setup({
      professional: async (request, res) => {
        await release.promise;
        answering(PROFILES.u1, { 'cache-control': 'public, max-age=300' })(request, res);
      },
    });
    const reads = Array.from({ length: 16 }, () => graph.query(PROFILE_QUERY));
    await fakes.professional.received(1);
    // Every other read has joined the one in flight before the service answers it.
    await until(graph.url, (lines) => lines.includes('professional memory coalesced 15'));
    release.resolve();
    for (const read of await Promise.all(reads)) expect(read.body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(1);
  });

  it("coalesces a private read only with the same caller's", async () => {
    const arrived = new Barrier(2);
    const { fakes, graph } = await setup({
      personal: async (request, res) => {
        await arrived.arrive();
        answering(USERS.u1, PRIVATE)(request, res);
      },
    });
    const reads = ['Bearer alice', 'Bearer mallory', 'Bearer alice'].map((authorization) =>
      graph.query(PERSONAL_QUERY, {}, { authorization }),
    );
    for (const read of await Promise.all(reads)) expect(read.body).toEqual(NAME);
    expect(fakes.personal.requests.map((r) => r.headers.authorization).sort()).toEqual(['Bearer alice', 'Bearer mallory']);
  });

  it('a waiting read is never failed by the shorter deadline of the read it joined: it reads again within its own', async () => {
    let first = true;
    const { fakes, graph } = await setup(
      {
        professional: (request, res) => {
          // The first call never answers: it runs out of the first reader's time.
          if (first) return void (first = false);
          answering(PROFILES.u1, { 'cache-control': 'public, max-age=300' })(request, res);
        },
      },
      { REQUEST_TIMEOUT_MS: '2000', UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_MAX_RETRIES: '0' },
    );
    const early = graph.query(PROFILE_QUERY);
    await fakes.professional.received(1);
    // The second reader comes half a budget later: its deadline is that much after the first's (the scenario, not a wait for something).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const later = graph.query(PROFILE_QUERY);
    await until(graph.url, (lines) => lines.includes('professional memory coalesced 1'));
    expect((await early).body.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_TIMEOUT']);
    expect((await later).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(2);
  });

  it("a waiting read is never failed by the first reader's client going away, or by its halt", async () => {
    const release = deferred();
    const { fakes, graph } = await setup(
      {
        professional: async (request, res) => {
          await release.promise;
          answering(PROFILES.u1, { 'cache-control': 'public, max-age=300' })(request, res);
        },
        orders: unavailable,
      },
      QUICK_RETRIES,
    );
    // The first reader: gone before the answer.
    const gone = new AbortController();
    const first = fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PROFILE_QUERY }),
      signal: gone.signal,
    }).catch(() => 'gone');
    await fakes.professional.received(1);
    // The second: halts at its first error (orders), which cancels its own calls.
    const halted = graph.query('{ user(id: "u1") { professional { title } orders { nodes { id } } } }', {}, {}, { onError: 'HALT' });
    const waiting = graph.query(PROFILE_QUERY);
    await until(graph.url, (lines) => lines.includes('professional memory coalesced 2'));
    gone.abort();
    expect(await first).toBe('gone');
    expect((await halted).body.data).toBeNull();
    release.resolve();
    expect((await waiting).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(1);
  });
});

describe('batch safety', () => {
  it('splits a batch whose URL would be too long, and every id is asked exactly once', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `user-with-a-rather-long-identifier-${i}`);
    const { fakes, graph } = await setup({}, { UPSTREAM_MAX_URL_LENGTH: '256' });
    const { body } = await graph.query('query ($ids: [ID!]!) { users(ids: $ids) { id } }', { ids });
    expect(body).toEqual({ data: { users: ids.map(() => null) } });
    const calls = fakes.personal.requests;
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.url.length).toBeLessThanOrEqual(256);
    expect(calls.flatMap((call) => call.query.get('ids')!.split(',')).sort()).toEqual([...ids].sort());
  });
});
