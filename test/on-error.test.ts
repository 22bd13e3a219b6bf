/**
 * `onError`: partial or all-or-nothing, the client's choice per request. Proven without
 * clocks: the fakes hold their answers on barriers, and record when the graph closes a
 * connection it no longer needs.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createGraphLogger } from '../telemetry/logger.js';
import { contractHandlers, startContractFakes } from './support/contract-fakes.js';
import { startGraph } from './support/graph.js';
import { deferred, json, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { writeFakes } from './support/write-fakes.js';
import { parts } from './support/multipart.js';

const start = graphHarness();

const PROFILE = '{ user(id: "u1") { personal { name } professional { title } orders { nodes { id } } } }';
const PROFESSIONAL_DOWN = {
  message: 'The professional service is unavailable (HTTP 500).',
  path: ['user', 'professional'],
  extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', upstreamStatus: 500, retryable: false },
};
/** 101 ids: one more than `users` takes, a BAD_USER_INPUT in a non-null field (`[User]!`). */
const TOO_MANY_IDS = JSON.stringify(Array.from({ length: 101 }, (_, i) => `u${i}`));

const failing: Handler = (_request, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } });

/**
 * Orders holds every answer until `release` (or until the graph hangs up); personal answers only
 * once orders has the request, so that orders is surely in flight when professional fails.
 */
function ordersHeld() {
  const release = deferred();
  const handlers: Record<'orders' | 'personal' | 'professional', Handler> = {
    orders: async (request, res) => {
      await Promise.race([release.promise, request.abandoned]);
      if (!res.destroyed) contractHandlers.orders(request, res);
    },
    personal: async (request, res) => {
      await ordersArrived.promise;
      return contractHandlers.personal(request, res);
    },
    professional: failing,
  };
  const ordersArrived = deferred();
  return { handlers, release: release.resolve, ordersArrived };
}

describe('onError: HALT', () => {
  it('answers data null with the first error while orders is still held, and closes the connection to orders', async () => {
    const held = ordersHeld();
    const { graph, fakes } = await start(held.handlers);
    void fakes.orders.received(1).then(held.ordersArrived.resolve);

    const { status, body } = await graph.query(PROFILE, {}, {}, { onError: 'HALT' });

    expect(status).toBe(200);
    expect(body).toEqual({ data: null, errors: [expect.objectContaining(PROFESSIONAL_DOWN)] });
    // Orders never answered (it is released only below): the answer did not wait for it.
    expect(fakes.orders.requests).toHaveLength(1);
    await fakes.orders.requests[0]!.abandoned;
    held.release();
    // Nothing was retried after the halt.
    expect(fakes.orders.requests).toHaveLength(1);
    expect(fakes.professional.requests).toHaveLength(1);
  });

  it('as a GET query parameter and as the x-graph-on-error header too', async () => {
    const { graph } = await start({ professional: failing });
    const query = '{ user(id: "u1") { personal { name } professional { title } } }';
    const get = await fetch(`${graph.url}/graphql?${new URLSearchParams({ query, onError: 'HALT' })}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    const byHeader = await graph.query(query, {}, { 'x-graph-on-error': 'HALT' });
    for (const body of [await get.json(), byHeader.body])
      expect(body).toEqual({ data: null, errors: [expect.objectContaining({ path: ['user', 'professional'] })] });
  });

  it('over @defer: the first part as usual, then a last part with the error, and the stream ends while orders is held', async () => {
    const release = { orders: deferred(), professional: deferred() };
    const { graph, fakes } = await start({
      orders: async (request, res) => {
        await Promise.race([release.orders.promise, request.abandoned]);
        if (!res.destroyed) contractHandlers.orders(request, res);
      },
      professional: async (request, res) => {
        await release.professional.promise;
        return failing(request, res);
      },
    });
    const response = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: '{ user(id: "u1") { personal { name } ... @defer { professional { title } orders { nodes { id } } } } }',
        onError: 'HALT',
      }),
    });
    const stream = parts(response);
    expect((await stream.next()).value).toEqual({ data: { user: { personal: { name: 'Ada Lovelace' } } }, hasNext: true });

    await fakes.orders.received(1);
    release.professional.resolve();
    const rest: unknown[] = [];
    for await (const part of stream) rest.push(part);
    expect(rest).toEqual([{ errors: [expect.objectContaining(PROFESSIONAL_DOWN)], hasNext: false }]);
    await fakes.orders.requests[0]!.abandoned;
    release.orders.resolve();
  });

  it('an error thrown before any call halts too (a BAD_USER_INPUT in users)', async () => {
    const { graph } = await start();
    const { body } = await graph.query(`{ user(id: "u1") { id } users(ids: ${TOO_MANY_IDS}) { id } }`, {}, {}, { onError: 'HALT' });
    expect(body).toEqual({
      data: null,
      errors: [expect.objectContaining({ path: ['users'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })],
    });
  });

  it('without an error, the answer is whole, as under PROPAGATE', async () => {
    const { graph } = await start();
    const halted = await graph.query(PROFILE, {}, {}, { onError: 'HALT' });
    const propagated = await graph.query(PROFILE);
    expect(halted.body).toEqual(propagated.body);
    expect(halted.body.errors).toBeUndefined();
  });
});

describe('telemetry', () => {
  it('the mode is on the operation span, metric and log line; a halt is counted with the calls it cancelled', async () => {
    const held = ordersHeld();
    const fakes = await startContractFakes(held.handlers);
    const exporter = new InMemorySpanExporter();
    const lines: Record<string, unknown>[] = [];
    const logger = createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>) });
    const graph = await startGraph(fakes.urls, {}, { spanExporter: exporter, logger });
    try {
      void fakes.orders.received(1).then(held.ordersArrived.resolve);
      await graph.query(`query Profile ${PROFILE}`, {}, {}, { onError: 'HALT' });
      await graph.query('query Other { user(id: "u2") { id } }', {}, {}, { onError: 'NULL' });

      const operation = exporter.getFinishedSpans().find((span) => span.name === 'graphql query Profile')!;
      expect(operation.attributes).toMatchObject({
        'graphql.on_error': 'HALT',
        'graphql.outcome': 'error',
        'graphql.halted': true,
        'graphql.halt.cancelled_calls': 1,
      });
      const metrics = await (await fetch(`${graph.url}/metrics`)).text();
      expect(metrics).toContain('graphql_operations_total{operation="Profile",type="query",outcome="error",on_error="HALT"} 1');
      expect(metrics).toContain('graphql_operations_total{operation="Other",type="query",outcome="success",on_error="NULL"} 1');
      expect(metrics).toContain('graphql_halts_total{operation="Profile"} 1');
      expect(metrics).toContain('graphql_halt_cancelled_calls_total{operation="Profile"} 1');
      expect(lines.filter((line) => line.msg === 'graphql operation')).toEqual([
        expect.objectContaining({
          operation: 'Profile',
          onError: 'HALT',
          halted: true,
          cancelledCalls: 1,
          errors: ['UPSTREAM_UNAVAILABLE'],
        }),
        expect.objectContaining({ operation: 'Other', onError: 'NULL', errors: [] }),
      ]);
    } finally {
      held.release();
      await graph.close();
      await fakes.close();
    }
  });
});

describe('onError: PROPAGATE', () => {
  it('is the default: under the same faults it waits for orders and answers partially', async () => {
    const held = ordersHeld();
    const { graph, fakes } = await start(held.handlers);
    void fakes.orders.received(1).then(held.ordersArrived.resolve);
    // The answer needs orders: release it once professional has failed.
    void fakes.professional.received(1).then(held.release);

    for (const params of [{}, { onError: 'PROPAGATE' }]) {
      const { body } = await graph.query(PROFILE, {}, {}, params);
      expect(body).toEqual({
        data: { user: { personal: { name: 'Ada Lovelace' }, professional: null, orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] } } },
        errors: [expect.objectContaining(PROFESSIONAL_DOWN)],
      });
    }
  });
});

describe('onError: NULL', () => {
  const query = `{ user(id: "u1") { id } users(ids: ${TOO_MANY_IDS}) { id } }`;
  const error = expect.objectContaining({ path: ['users'], extensions: { code: 'BAD_USER_INPUT', argument: 'ids' } });

  it('an error in a non-null field stays there: the field is null and its siblings stand (PROPAGATE loses them all)', async () => {
    const { graph } = await start();
    expect((await graph.query(query)).body).toEqual({ data: null, errors: [error] });
    expect((await graph.query(query, {}, {}, { onError: 'NULL' })).body).toEqual({
      data: { user: { id: 'u1' }, users: null },
      errors: [error],
    });
  });

  it('@experimental_disableErrorPropagation on the operation is NULL; the request parameter wins over it', async () => {
    const { graph } = await start();
    const directive = `query Q @experimental_disableErrorPropagation ${query}`;
    expect((await graph.query(directive)).body).toEqual({ data: { user: { id: 'u1' }, users: null }, errors: [error] });
    expect((await graph.query(directive, {}, {}, { onError: 'PROPAGATE' })).body).toEqual({ data: null, errors: [error] });
  });

  it('introspection still describes the schema as written', async () => {
    const { graph } = await start();
    const introspect = '{ user(id: "u1") { id } __type(name: "PersonalInfo") { fields { name type { kind } } } }';
    const written = await graph.query(introspect);
    const nulled = await graph.query(introspect, {}, {}, { onError: 'NULL' });
    expect(nulled.body).toEqual(written.body);
    expect(JSON.stringify(nulled.body)).toContain('"name":"name","type":{"kind":"NON_NULL"}');
  });
});

describe('onError: anything else', () => {
  it.each([['SOMETIMES'], ['halt'], [42], [['HALT']]])('%j is a 400 BAD_REQUEST naming the modes, and nothing runs', async (value) => {
    const { graph, fakes } = await start();
    const { status, headers, body } = await graph.query(PROFILE, {}, {}, { onError: value });
    expect(status).toBe(400);
    expect(headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    expect(body.errors![0]!.message).toMatch(/PROPAGATE, NULL, HALT/);
    expect(fakes.personal.requests).toHaveLength(0);
  });

  it('in the GET query string and in the header too', async () => {
    const { graph, fakes } = await start();
    const get = await fetch(`${graph.url}/graphql?${new URLSearchParams({ query: PROFILE, onError: 'NEVER' })}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    const header = await graph.query(PROFILE, {}, { 'x-graph-on-error': 'NEVER' });
    expect([get.status, header.status]).toEqual([400, 400]);
    expect(fakes.personal.requests).toHaveLength(0);
  });
});

describe('mutations', () => {
  const TWO_ORDERS = `mutation {
    first: placeOrder(input: { userId: "u1", items: [{ productId: "p1", quantity: 1 }], idempotencyKey: "" }) { order { id } }
    second: placeOrder(input: { userId: "u1", items: [{ productId: "p1", quantity: 1 }], idempotencyKey: "key-2" }) { order { id } }
  }`;
  const creates = (write: ReturnType<typeof writeFakes>) => write.state.orders.size;

  it('HALT: after the first error the later mutation fields are not started', async () => {
    const write = writeFakes();
    const { graph } = await start(write.handlers);
    const { body } = await graph.query(TWO_ORDERS, {}, {}, { onError: 'HALT' });
    expect(body).toEqual({
      data: null,
      errors: [expect.objectContaining({ path: ['first'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })],
    });
    expect(creates(write)).toBe(0);
  });

  it('NULL: the failed one is null, the next one runs', async () => {
    const write = writeFakes();
    const { graph } = await start(write.handlers);
    const { body } = await graph.query(TWO_ORDERS, {}, {}, { onError: 'NULL' });
    expect(body.data).toEqual({ first: null, second: { order: { id: expect.any(String) } } });
    expect(creates(write)).toBe(1);
  });
});

describe('in a batch', () => {
  it('each operation has its own mode', async () => {
    const { graph } = await start({ professional: failing }, { MAX_BATCH: '3' });
    const query = '{ user(id: "u1") { id professional { title } } }';
    const response = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query, onError: 'HALT' }, { query }, { query, onError: 'SOON' }]),
    });
    const [halted, propagated, refused] = (await response.json()) as Record<string, unknown>[];
    expect(halted).toEqual({ data: null, errors: [expect.objectContaining({ path: ['user', 'professional'] })] });
    expect(propagated).toMatchObject({ data: { user: { id: 'u1', professional: null } } });
    expect(refused).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })] });
  });
});

describe('the capability', () => {
  it('is advertised as __service { capabilities }, and a client that does not ask sees nothing new', async () => {
    const { graph } = await start();
    const { body } = await graph.query('{ __service { capabilities { identifier value } } }');
    expect(body).toEqual({ data: { __service: { capabilities: [{ identifier: 'graphql.onError', value: null }] } } });
    const plain = await graph.query(PROFILE);
    expect(plain.body).toEqual({ data: { user: expect.any(Object) } });
    expect(plain.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
  });
});
