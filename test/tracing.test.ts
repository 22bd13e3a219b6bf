/**
 * Traces of real queries against the fakes, collected by an in-memory exporter: the
 * operation's span, its upstream children (concurrent, as the fan-out is), DataLoader batch
 * spans, failures in the span status, and W3C trace context from the client to the upstreams.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { contractHandlers, startContractFakes, type Fakes } from './support/contract-fakes.js';
import { answeredTogether, json } from './support/fake-upstream.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { parts } from './support/multipart.js';

let fakes: Fakes | undefined;
let graph: GraphServer | undefined;
afterEach(async () => {
  await graph?.close();
  await fakes?.close();
});

async function tracedGraph(
  handlers: Parameters<typeof startContractFakes>[0] = {},
): Promise<{ graph: GraphServer; fakes: Fakes; spans: () => ReadableSpan[] }> {
  const exporter = new InMemorySpanExporter();
  fakes = await startContractFakes(handlers);
  graph = await startGraph(fakes.urls, {}, { spanExporter: exporter });
  return { graph, fakes, spans: () => exporter.getFinishedSpans() };
}

const PROFILE = 'query Profile { user(id: "u1") { personal { name } professional { title } orders(first: 5) { nodes { id } } } }';
const millis = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

describe('tracing', () => {
  it('a profile query: one operation span, three concurrent upstream children, and its DataLoader batches', async () => {
    // Each service holds its answer until all three calls have arrived: they overlap by construction.
    const together = answeredTogether(3);
    const { graph, spans } = await tracedGraph({
      personal: together(contractHandlers.personal),
      professional: together(contractHandlers.professional),
      orders: together(contractHandlers.orders),
    });
    expect((await graph.query(PROFILE)).body.errors).toBeUndefined();

    const operation = spans().find((s) => s.name === 'graphql query Profile')!;
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Profile',
      'graphql.outcome': 'success',
      // user 5, personal 1, professional 5, orders 5 and 5 orders of 1; u1 has 2.
      'cost.estimated': 21,
      'cost.actual': 18,
    });
    const children = spans().filter((s) => s.parentSpanContext?.spanId === operation.spanContext().spanId);
    const calls = children.filter((s) => s.attributes['upstream.service'] !== undefined);
    expect(
      calls.map((s) => [s.attributes['upstream.service'], s.attributes['http.route'], s.attributes['http.response.status_code']]).sort(),
    ).toEqual([
      ['orders', '/users/{userId}/orders', 200],
      ['personal', '/users/{id}', 200],
      ['professional', '/profiles/{userId}', 200],
    ]);
    for (const call of calls) expect(call.spanContext().traceId).toBe(operation.spanContext().traceId);
    const latestStart = Math.max(...calls.map((s) => millis(s.startTime)));
    const earliestEnd = Math.min(...calls.map((s) => millis(s.endTime)));
    expect(latestStart).toBeLessThan(earliestEnd);
    expect(
      children
        .filter((s) => s.name.startsWith('dataloader '))
        .map((s) => [s.attributes['dataloader.name'], s.attributes['dataloader.batch_size']])
        .sort(),
    ).toEqual([
      ['orders.pages', 1],
      ['personal.users', 1],
      ['professional.profiles', 1],
    ]);
  });

  it('a failing upstream shows in its span and in the operation span', async () => {
    const { graph, spans } = await tracedGraph({ professional: (_, res) => json(res, 500, {}) });
    await graph.query(PROFILE);
    const call = spans().find((s) => s.attributes['upstream.service'] === 'professional')!;
    expect(call.status).toEqual({ code: SpanStatusCode.ERROR, message: 'status' });
    expect(call.attributes).toMatchObject({ 'http.response.status_code': 500, 'upstream.outcome': 'status', 'upstream.attempt': 1 });
    const operation = spans().find((s) => s.name === 'graphql query Profile')!;
    expect(operation.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation.attributes).toMatchObject({ 'graphql.outcome': 'partial', 'graphql.error_codes': ['UPSTREAM_UNAVAILABLE'] });
  });

  it("continues the caller's trace and hands it on to the upstreams in traceparent", async () => {
    const { graph, fakes, spans } = await tracedGraph();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await graph.query('{ user(id: "u1") { personal { name } } }', {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const operation = spans().find((s) => s.name === 'graphql query')!;
    expect(operation.spanContext().traceId).toBe(traceId);
    expect(operation.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const call = spans().find((s) => s.attributes['upstream.service'] === 'personal')!;
    expect(fakes.personal.requests[0]!.headers.traceparent).toBe(`00-${traceId}-${call.spanContext().spanId}-01`);
  });

  it('an incremental answer (@defer): the operation span ends when its last part has gone, with the errors of every part', async () => {
    const { graph, spans } = await tracedGraph({
      professional: (_, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } }),
    });
    const response = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: 'query Deferred { user(id: "u1") { personal { name } ... @defer { professional { title } } } }' }),
    });
    const received = [];
    for await (const part of parts(response)) received.push(part);
    expect(received).toHaveLength(2);
    const operation = spans().find((s) => s.name === 'graphql query Deferred')!;
    expect(operation.attributes).toMatchObject({ 'graphql.outcome': 'partial', 'graphql.error_codes': ['UPSTREAM_UNAVAILABLE'] });
  });
});
