/**
 * Every way an upstream can fail, injected by the fake upstreams, mapped to the error
 * codes of the graph contract: the failed field is null with one error at its path, the
 * rest of the answer stands, and nothing of the upstream's URL or body reaches the client.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { contractHandlers } from './support/contract-fakes.js';
import { json, startFakeUpstream, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';

const setup = graphHarness();

const TIMEOUT_MS = 1000;

/** Sends the status line and part of a body, then a byte now and then, never finishing. */
function dribble(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"userId": "u1", ');
  const timer = setInterval(() => res.write(' '), 50);
  res.once('close', () => clearInterval(timer));
}

const PROFILE_QUERY = '{ user(id: "u1") { id personal { name } professional { title } } }';

/** Fault, handler, the error's extensions, and how many attempts the fake sees (3 = retried twice). */
const faults: [string, Handler, { code: string; upstreamStatus?: number; retryable: boolean }, number][] = [
  [
    '503 with a JSON error',
    (_, res) => json(res, 503, { error: { code: 'DOWN', message: 'secret internals' } }),
    { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503, retryable: true },
    3,
  ],
  [
    '500 with an HTML page',
    (_, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>secret stack</h1>'),
    { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 500, retryable: false },
    1,
  ],
  [
    '502 with an empty body',
    (_, res) => res.writeHead(502).end(),
    { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 502, retryable: true },
    3,
  ],
  [
    '400',
    (_, res) => json(res, 400, { error: { code: 'BAD', message: 'no' } }),
    { code: 'UPSTREAM_REJECTED', upstreamStatus: 400, retryable: false },
    1,
  ],
  [
    '401',
    (_, res) => json(res, 401, { error: { code: 'AUTH', message: 'no' } }),
    { code: 'UPSTREAM_REJECTED', upstreamStatus: 401, retryable: false },
    1,
  ],
  ['429', (_, res) => res.writeHead(429).end(), { code: 'UPSTREAM_REJECTED', upstreamStatus: 429, retryable: true }, 3],
  ['a connection reset before the answer', (_, res) => res.socket?.destroy(), { code: 'UPSTREAM_UNAVAILABLE', retryable: true }, 3],
  [
    'a connection reset in the middle of the body',
    (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"userId": "u1", "comp', () => res.socket?.destroy());
    },
    { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 200, retryable: true },
    3,
  ],
  ['a hang', () => undefined, { code: 'UPSTREAM_TIMEOUT', retryable: true }, 1],
  [
    'slow headers',
    (_, res) => void setTimeout(() => json(res, 200, { userId: 'u1' }), TIMEOUT_MS * 10).unref(),
    { code: 'UPSTREAM_TIMEOUT', retryable: true },
    1,
  ],
  [
    'a body dribbled slower than the time limit',
    (_, res) => dribble(res),
    { code: 'UPSTREAM_TIMEOUT', upstreamStatus: 200, retryable: true },
    1,
  ],
  [
    'a 2xx body that is not JSON',
    (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops'),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'a 2xx JSON body cut short',
    (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"userId": "u1", "company": "Ac'),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'a 2xx body of the wrong shape',
    (_, res) => json(res, 200, { userId: 'u1', company: 42 }),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'an integer GraphQL cannot carry',
    (_, res) => json(res, 200, { userId: 'u1', company: 'A', title: 'B', skills: [], yearsOfExperience: 2 ** 40 }),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'a body larger than the cap',
    (_, res) => json(res, 200, { userId: 'u1', company: 'x'.repeat(10_000), title: 't', skills: [], yearsOfExperience: 1 }),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'a chunked body growing past the cap',
    (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 20; i++) res.write('x'.repeat(1024));
      res.end();
    },
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200, retryable: false },
    1,
  ],
  [
    'a 3xx redirect',
    (_, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end(),
    { code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 302, retryable: false },
    1,
  ],
];

describe('an optional upstream (professional) that fails', () => {
  it.each(faults)('on %s: professional is null with one error, the rest stands', async (_, handler, expected, attempts) => {
    const { fakes, graph } = await setup(
      { professional: handler },
      { PROFESSIONAL_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_MAX_RESPONSE_BYTES: '4096', UPSTREAM_RETRY_BASE_DELAY_MS: '1' },
    );
    const { status, body } = await graph.query(PROFILE_QUERY);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: null } },
      errors: [
        {
          message: expect.stringMatching(/^The professional service /),
          locations: [{ line: 1, column: 41 }],
          path: ['user', 'professional'],
          extensions: { service: 'professional', ...expected },
        },
      ],
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('secret');
    expect(text).not.toMatch(/stack|at .*\.ts/);
    expect(fakes.professional.requests).toHaveLength(attempts);

    fakes.professional.handle(contractHandlers.professional);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual({
      data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } } },
    });
  });

  it('when refused (nothing listens), is UPSTREAM_UNAVAILABLE without a status', async () => {
    const gone = await startFakeUpstream(() => undefined);
    await gone.close();
    const { graph } = await setup({}, {}, { professional: gone.url });
    const { body } = await graph.query(PROFILE_QUERY);
    expect(body.data).toEqual({ user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: null } });
    expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', service: 'professional', retryable: true }]);
  });

  it('costs one error per failed field of a list, each at its own path', async () => {
    const { graph } = await setup({ professional: (_, res) => json(res, 503, {}) });
    const { body } = await graph.query('{ users(ids: ["u1", "u3"]) { id professional { title } } }');
    expect(body.data).toEqual({
      users: [
        { id: 'u1', professional: null },
        { id: 'u3', professional: null },
      ],
    });
    expect(body.errors?.map((e) => e.path)).toEqual([
      ['users', 0, 'professional'],
      ['users', 1, 'professional'],
    ]);
  });

  it('is asked again by the next request: a failure is not remembered across requests', async () => {
    let fail = true;
    const { graph } = await setup({
      professional: (request, res) =>
        fail ? json(res, 503, {}) : json(res, 200, { userId: 'u1', company: 'A', title: 'B', skills: [], yearsOfExperience: 1 }),
    });
    expect((await graph.query(PROFILE_QUERY)).body.errors).toHaveLength(1);
    fail = false;
    expect((await graph.query(PROFILE_QUERY)).body).toEqual({
      data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'B' } } },
    });
  });
});

describe('other upstreams that fail', () => {
  it('personal failing makes the user null with its error: it decides whether the user exists', async () => {
    const { graph } = await setup({ personal: (_, res) => json(res, 503, {}) });
    const { body } = await graph.query('{ user(id: "u1") { id professional { title } } order(id: "o3") { id } }');
    expect(body).toEqual({
      data: { user: null, order: { id: 'o3' } },
      errors: [
        expect.objectContaining({
          path: ['user'],
          extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'personal', upstreamStatus: 503, retryable: true },
        }),
      ],
    });
  });

  it('orders failing makes only the orders null', async () => {
    const { graph } = await setup({ orders: (_, res) => json(res, 500, {}) });
    const { body } = await graph.query('{ user(id: "u1") { personal { name } professional { title } orders { nodes { id } } } }');
    expect(body).toEqual({
      data: { user: { personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' }, orders: null } },
      errors: [
        expect.objectContaining({
          path: ['user', 'orders'],
          extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'orders', upstreamStatus: 500, retryable: false },
        }),
      ],
    });
  });

  it('inventory failing makes only the stock figures null', async () => {
    const { graph } = await setup({ inventory: (_, res) => res.writeHead(200).end('garbage') });
    const { body } = await graph.query('{ order(id: "o1") { id items { productId available } } }');
    expect(body.data).toEqual({
      order: {
        id: 'o1',
        items: [
          { productId: 'p1', available: null },
          { productId: 'p2', available: null },
        ],
      },
    });
    expect(body.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.service])).toEqual([
      [['order', 'items', 0, 'available'], 'UPSTREAM_BAD_RESPONSE', 'inventory'],
      [['order', 'items', 1, 'available'], 'UPSTREAM_BAD_RESPONSE', 'inventory'],
    ]);
  });

  it('one bad item in a batch answer fails only its own key', async () => {
    const { graph } = await setup({
      personal: (_, res) =>
        json(res, 200, {
          users: [
            { id: 'u1', name: 'Ada', email: 'a@example.com', birthDate: null, avatarUrl: null, city: null },
            { id: 'u2', name: 42 },
          ],
        }),
    });
    const { body } = await graph.query('{ users(ids: ["u1", "u2", "u3"]) { id } }');
    expect(body).toEqual({
      data: { users: [{ id: 'u1' }, null, null] },
      errors: [
        expect.objectContaining({
          path: ['users', 1],
          extensions: { code: 'UPSTREAM_BAD_RESPONSE', service: 'personal', upstreamStatus: 200, retryable: false },
        }),
      ],
    });
  });

  it('a batch answer without its envelope fails the whole batch', async () => {
    const { graph } = await setup({ personal: (_, res) => json(res, 200, [{ id: 'u1' }]) });
    const { body } = await graph.query('{ users(ids: ["u1", "u2"]) { id } }');
    expect(body.data).toEqual({ users: [null, null] });
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_BAD_RESPONSE']);
  });

  it('keeps serving after every kind of fault', async () => {
    const { fakes, graph } = await setup({ professional: (_, res) => res.socket?.destroy() });
    for (let i = 0; i < 5; i++) await graph.query(PROFILE_QUERY);
    fakes.professional.handle((_, res) => json(res, 200, { userId: 'u1', company: 'A', title: 'T', skills: [], yearsOfExperience: 1 }));
    expect((await graph.query(PROFILE_QUERY)).body).toEqual({
      data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'T' } } },
    });
  });
});
