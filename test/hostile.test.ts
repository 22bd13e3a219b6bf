/**
 * Hostile and broken input (the findings of a probe as an attacker and as an unlucky
 * operator): each is refused with a code, fails only its own part, leaks nothing, crosses
 * no user, and leaves the server serving.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { documentCaches, DOCUMENT_BYTES_PER_CHARACTER } from '../security/operation-limits.js';
import type { GraphServer } from './support/graph.js';
import { startDemoServices } from '../demo/services.js';
import { graphHarness } from './support/harness.js';
import { processHarness } from './support/process-harness.js';
import { writeFakes } from './support/write-fakes.js';

const start = graphHarness();
const ADMIN_TOKEN = 'admin-token-0123456789';

interface Answer {
  status: number;
  body: { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown };
}

async function post(graph: GraphServer, body: string, headers: Record<string, string> = {}): Promise<Answer & { text: string }> {
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Answer['body'] };
}

async function stillServes(graph: GraphServer): Promise<void> {
  expect((await graph.query('{ user(id: "u1") { id } }')).body).toEqual({ data: { user: { id: 'u1' } } });
}

/** One raw HTTP/1.1 exchange: what is written, then everything the server answers until it closes. */
async function raw(graph: GraphServer, request: string | ((socket: import('node:net').Socket) => void)): Promise<string> {
  const { port } = new URL(graph.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
  if (typeof request === 'string') socket.write(request);
  else request(socket);
  await once(socket, 'close');
  return answer;
}

const codeOf = (httpAnswer: string) =>
  (JSON.parse(httpAnswer.slice(httpAnswer.indexOf('\r\n\r\n') + 4)) as Answer['body']).errors?.[0]?.extensions?.code;

describe('routes and decoders are total', () => {
  it('a malformed percent escape in an admin path: 400 with a code, and the server goes on', async () => {
    const { graph } = await start({}, { ADMIN_TOKEN });
    const response = await fetch(`${graph.url}/admin/dead-letters/%E0%A4%A/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect([response.status, ((await response.json()) as Answer['body']).errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_REQUEST']);
    await stillServes(graph);
  });

  it('an id that cannot be sent (a lone surrogate, too long) fails its own place only', async () => {
    const { graph, fakes } = await start();
    const ids = ['u1', '\ud800', 'u2', 'x'.repeat(300)];
    const { status, body } = await post(
      graph,
      JSON.stringify({ query: 'query ($ids: [ID!]!) { users(ids: $ids) { id } }', variables: { ids } }),
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ users: [{ id: 'u1' }, null, { id: 'u2' }, null] });
    expect(body.errors?.map((e) => [e.extensions?.code, (e as { path?: unknown }).path])).toEqual([
      ['BAD_USER_INPUT', ['users', 1]],
      ['BAD_USER_INPUT', ['users', 3]],
    ]);
    // The two good ids went in one batch call, the bad ones nowhere.
    expect(fakes.personal.requests.map((r) => r.url)).toEqual(['/users?ids=u1,u2']);
  });

  it('@stream(initialCount: -1), literal or variable: BAD_USER_INPUT, nothing fetched', async () => {
    const { graph, fakes } = await start();
    for (const [query, variables] of [
      ['{ users(ids: ["u1", "u2"]) @stream(initialCount: -1) { id } }', {}],
      ['query ($n: Int!) { users(ids: ["u1", "u2"]) @stream(initialCount: $n) { id } }', { n: -1 }],
    ] as const) {
      const { status, body } = await post(graph, JSON.stringify({ query, variables }), { accept: 'application/graphql-response+json' });
      expect([status, body.errors?.map((e) => e.extensions?.code)]).toEqual([400, ['BAD_USER_INPUT']]);
    }
    expect(fakes.personal.requests).toHaveLength(0);
  });
});

describe('every refusal has a JSON body with a code', () => {
  it('415, 406 and 431, and a path that is not the endpoint (404)', async () => {
    const { graph } = await start();
    const unsupported = await fetch(`${graph.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    const unacceptable = await fetch(`${graph.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'image/png' } });
    const elsewhere = await fetch(`${graph.url}/nothing-here`);
    const badVariables = await fetch(`${graph.url}/graphql?query=%7B__typename%7D&variables=abc`, {
      headers: { accept: 'application/json' },
    });
    for (const [response, status, code] of [
      [unsupported, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [unacceptable, 406, 'NOT_ACCEPTABLE'],
      [elsewhere, 404, 'NOT_FOUND'],
      // yoga's GET parser let JSON.parse throw: a 500 (found by the HTTP fuzz test).
      [badVariables, 400, 'BAD_REQUEST'],
    ] as const) {
      expect([response.status, ((await response.json()) as Answer['body']).errors?.[0]?.extensions?.code]).toEqual([status, code]);
    }
    const headers = await raw(graph, `GET /graphql HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect([headers.split(' ')[1], codeOf(headers)]).toEqual(['431', 'HEADERS_TOO_LARGE']);
    const garbage = await raw(graph, 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.split(' ')[1], codeOf(garbage)]).toEqual(['400', 'BAD_REQUEST']);
    await stillServes(graph);
  });

  it('in production: no snippet of the body in a malformed-JSON refusal, and no suggestion, variables included', async () => {
    const { graph } = await start({}, { NODE_ENV: 'production', CSRF_PREVENTION: 'off' });
    const malformed = await post(graph, '{"query": "{ user(id: \\"u1\\") { id } }", "secret": tru', {
      accept: 'application/graphql-response+json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.text).not.toMatch(/secret|tru\b|Unexpected|JSON at position/);
    expect(malformed.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');

    const misspelt = await post(
      graph,
      JSON.stringify({
        query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
        variables: { input: { userid: 'u1', items: [], idempotencyKey: 'k' } },
      }),
    );
    expect(misspelt.body.errors?.map((e) => e.extensions?.code)).toContain('BAD_USER_INPUT');
    expect(misspelt.text).not.toContain('Did you mean');
    const inQuery = await post(graph, JSON.stringify({ query: '{ user(id: "u1") { nam } }' }));
    expect(inQuery.text).not.toContain('Did you mean');
  });

  it('a field conflict is reported once, and a deferred fragment may still repeat a field', async () => {
    const { graph } = await start();
    const { body } = await post(graph, JSON.stringify({ query: '{ user(id: "u1") { a: id a: __typename } }' }));
    expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      [
        'Fields "a" conflict because "id" and "__typename" are different fields. ' +
          'Use different aliases on the fields to fetch both if this was intentional.',
        'GRAPHQL_VALIDATION_FAILED',
      ],
    ]);
    // The @defer-aware rule is the one that runs: the same field inside and outside a deferred fragment is no conflict.
    const deferred = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: '{ user(id: "u1") { id ... @defer { id personal { name } } } }' }),
    });
    expect([deferred.status, deferred.headers.get('content-type')]).toEqual([200, expect.stringContaining('multipart/mixed')]);
    expect(await deferred.text()).not.toContain('"errors"');
  });

  it('the @defer and @stream rules run on every request: @stream on a field that is no list, twice a label', async () => {
    const { graph } = await start();
    const query = '{ user(id: "u1") { personal @stream { name } ... @defer(label: "a") { id } ... @defer(label: "a") { id } } }';
    for (let i = 0; i < 2; i++) {
      // The second time the document is cached, its validation result too: the same refusal.
      const { body } = await post(graph, JSON.stringify({ query }));
      expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['Stream directive cannot be used on non-list field "personal" on type "User".', 'GRAPHQL_VALIDATION_FAILED'],
        ['Defer/Stream directive label argument must be unique.', 'GRAPHQL_VALIDATION_FAILED'],
      ]);
    }
  });

  it('past 100 validation errors graphql-js aborts: that error has a code too', async () => {
    const { graph } = await start({}, { MAX_TOKENS: '5000' });
    const { body } = await post(graph, JSON.stringify({ query: `{ user(id: "u1") { ${'nope '.repeat(120)} } }` }));
    expect(body.errors?.length).toBeGreaterThan(100);
    expect(body.errors?.filter((e) => e.extensions?.code === undefined)).toEqual([]);
  });
});

describe('limits on what a client can hold', () => {
  it('a body that trickles in ends with 408 and a code, and counts against the rate limit', async () => {
    const { graph } = await start({}, { BODY_TIMEOUT_MS: '300', HEADERS_TIMEOUT_MS: '300', RATE_LIMIT_REQUESTS: '1' });
    const slow = await raw(graph, (socket) => {
      socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query"');
    });
    expect([slow.split(' ')[1], codeOf(slow)]).toEqual(['408', 'REQUEST_TIMEOUT']);
    const next = await graph.query('{ user(id: "u1") { id } }');
    expect([next.status, next.body.errors?.[0]?.extensions?.code]).toEqual([429, 'RATE_LIMITED']);
  });

  it('behind a trusted proxy, a slow body counts against the client it names, not against the proxy', async () => {
    const { graph } = await start({}, { BODY_TIMEOUT_MS: '300', HEADERS_TIMEOUT_MS: '300', RATE_LIMIT_REQUESTS: '1', TRUST_PROXY: 'on' });
    const slow = await raw(graph, (socket) => {
      const head = [
        'POST /graphql HTTP/1.1',
        'host: x',
        'x-forwarded-for: 203.0.113.7',
        'content-type: application/json',
        'content-length: 100',
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n{`);
    });
    expect(slow.split(' ')[1]).toBe('408');
    const as = (ip: string) => graph.query('{ user(id: "u1") { id } }', {}, { 'x-forwarded-for': ip });
    expect((await as('198.51.100.2')).status).toBe(200);
    expect((await as('203.0.113.7')).body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('connections past MAX_CONNECTIONS are closed as they come', async () => {
    const { graph } = await start({}, { MAX_CONNECTIONS: '1' });
    const { port } = new URL(graph.url);
    const first = connect(Number(port), '127.0.0.1');
    await once(first, 'connect');
    const answer = await raw(graph, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(answer).toBe('');
    first.destroy();
  });

  it('the document cache is bounded by memory: the least recently used go first', () => {
    const { documentCache } = documentCaches(1 << 20);
    const text = (i: number) => `{ user(id: "u${i}") { ${'id '.repeat(1000)} } }`;
    for (let i = 0; i < 100; i++) documentCache.set(text(i), { kind: 'Document', definitions: [] } as never);
    expect(documentCache.calculatedSize).toBeLessThanOrEqual(1 << 20);
    expect(documentCache.size).toBe(Math.floor((1 << 20) / (text(10).length * DOCUMENT_BYTES_PER_CHARACTER)));
    expect(documentCache.has(text(99))).toBe(true);
    expect(documentCache.has(text(0))).toBe(false);
  });
});

describe('upstreams and callers', () => {
  it.each([
    ['broken JSON', '{"broken": '],
    ['JSON of another shape', '{"unexpected": true}'],
  ])('a service answering 200 with %s opens its circuit', async (_, answer) => {
    const { graph, fakes } = await start(
      { professional: (__, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(answer) },
      { PROFESSIONAL_CIRCUIT_MIN_CALLS: '4' },
    );
    const failures: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const { body } = await graph.query(`{ user(id: "u1") { professional { title } } }`);
      failures.push(body.errors?.[0]?.extensions?.code);
    }
    expect(failures.slice(0, 4)).toEqual(Array(4).fill('UPSTREAM_BAD_RESPONSE'));
    expect(failures.slice(4)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(fakes.professional.requests).toHaveLength(4);
  });

  it("the caller's trace reaches the upstreams though no span is exported", async () => {
    const { graph, fakes } = await start();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await graph.query('{ user(id: "u1") { personal { name } } }', {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(fakes.personal.requests[0]?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it("idempotency keys are the caller's own: another user's same key is another order", async () => {
    const writes = writeFakes();
    const { graph } = await start(writes.handlers);
    const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }';
    const place = (userId: string, quantity: number) =>
      graph.query(PLACE, { input: { userId, items: [{ productId: 'p1', quantity }], idempotencyKey: 'shared-key' } });
    const first = await place('u1', 1);
    const second = await place('u2', 2);
    const again = await place('u1', 1);
    const data = (a: Awaited<ReturnType<typeof place>>) =>
      a.body.data as { placeOrder: { order: { id: string } | null; userErrors: unknown[] } };
    expect(data(first).placeOrder.userErrors).toEqual([]);
    expect(data(second).placeOrder.userErrors).toEqual([]);
    expect(data(second).placeOrder.order?.id).not.toBe(data(first).placeOrder.order?.id);
    expect(data(again).placeOrder.order?.id).toBe(data(first).placeOrder.order?.id);
    expect(writes.state.orders.size).toBe(2);
  });

  it('more than ten orders at once: no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const writes = writeFakes();
      const { graph } = await start(writes.handlers);
      const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }';
      const answers = await Promise.all(
        Array.from({ length: 15 }, (_, i) =>
          graph.query(PLACE, { input: { userId: 'u1', items: [{ productId: 'p1', quantity: 1 }], idempotencyKey: `many-${i}` } }),
        ),
      );
      expect(answers.every((a) => a.body.errors === undefined)).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});

describe('the demo services', () => {
  it('a malformed percent escape in a path: 400 with a code, and they go on serving', async () => {
    const demo = await startDemoServices();
    try {
      const bad = await fetch(`${demo.urls.personal}/users/%E0%A4%A`);
      expect([bad.status, ((await bad.json()) as { error: { code: string } }).error.code]).toEqual([400, 'BAD_REQUEST']);
      expect((await fetch(`${demo.urls.personal}/users/u1`)).status).toBe(200);
    } finally {
      await demo.close();
    }
  });
});

describe('the process, as an operator starts it', () => {
  const processes = processHarness();

  /** A port nothing listens on. */
  async function closedPort(): Promise<number> {
    const { createServer } = await import('node:net');
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as import('node:net').AddressInfo;
    server.close();
    await once(server, 'close');
    return port;
  }

  it('Redis unreachable at start: a warning and a start; orders answer STATE_STORE_UNAVAILABLE, reads go on', async () => {
    const { urlEnv } = await processes.fakes(writeFakes().handlers);
    const { server, url } = await processes.server({
      ...urlEnv,
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      RATE_LIMIT_REQUESTS: '600',
    });
    expect(server.output()).toContain('Redis is not reachable yet');
    const query = (body: object) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        async (r) => (await r.json()) as Answer['body'],
      );
    expect(await query({ query: '{ user(id: "u1") { id } }' })).toEqual({ data: { user: { id: 'u1' } } });
    const order = await query({
      query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }',
      variables: { input: { userId: 'u1', items: [{ productId: 'p1', quantity: 1 }], idempotencyKey: 'k' } },
    });
    expect(order.errors?.map((e) => e.extensions?.code)).toEqual(['STATE_STORE_UNAVAILABLE']);
  });

  it('in production: warned that rate limiting is off, and no demo controls unless asked for', async () => {
    const { server, url } = await processes.server({ NODE_ENV: 'production' });
    expect(server.output()).toContain('rate limiting is off');
    const controls = await fetch(`${url}/demo/settings`);
    expect([controls.status, ((await controls.json()) as Answer['body']).errors?.[0]?.extensions?.code]).toEqual([404, 'NOT_FOUND']);
    const enabled = await processes.server({ NODE_ENV: 'production', DEMO_CONTROLS: 'on' });
    expect((await fetch(`${enabled.url}/demo/settings`)).status).toBe(200);
  });
});
