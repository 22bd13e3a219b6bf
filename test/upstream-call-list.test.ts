/**
 * The developer's view of the fan-out: `x-graph-upstream-calls: 1` puts every upstream call
 * of the request in the answer's extensions, with its start and duration; off in production.
 */
import { describe, expect, it } from 'vitest';
import { contractHandlers } from './support/contract-fakes.js';
import { answeredTogether, deferred } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { parts } from './support/multipart.js';

const setup = graphHarness();

const PROFILE = '{ user(id: "u1") { personal { name } professional { title } orders(first: 5) { nodes { id } } } }';
const ASK = { 'x-graph-upstream-calls': '1' };

interface Call {
  service: string;
  method: string;
  route: string;
  attempt: number;
  startMs: number;
  durationMs: number;
  status: number | null;
  outcome: string;
  batchSize: number | null;
  cacheHit: boolean;
  concurrencyLimit: number;
}

describe('the upstream call list', () => {
  it('lists each call of the request with its start and duration, overlapping as the fan-out does', async () => {
    const together = answeredTogether(3);
    const { graph } = await setup({
      personal: together(contractHandlers.personal),
      professional: together(contractHandlers.professional),
      orders: together(contractHandlers.orders),
    });
    const { body } = await graph.query(PROFILE, {}, ASK);
    const calls = (body as { extensions: { upstreamCalls: Call[] } }).extensions.upstreamCalls;
    expect(
      calls
        .map(({ service, method, route, attempt, status, outcome, batchSize, cacheHit, concurrencyLimit }) => ({
          service,
          method,
          route,
          attempt,
          status,
          outcome,
          batchSize,
          cacheHit,
          concurrencyLimit,
        }))
        .sort((a, b) => a.service.localeCompare(b.service)),
    ).toEqual([
      {
        service: 'orders',
        method: 'GET',
        route: '/users/{userId}/orders',
        attempt: 1,
        status: 200,
        outcome: 'ok',
        batchSize: null,
        cacheHit: false,
        // The adaptive limit's starting value: the first call to each service.
        concurrencyLimit: 20,
      },
      {
        service: 'personal',
        method: 'GET',
        route: '/users/{id}',
        attempt: 1,
        status: 200,
        outcome: 'ok',
        batchSize: null,
        cacheHit: false,
        // The adaptive limit's starting value: the first call to each service.
        concurrencyLimit: 20,
      },
      {
        service: 'professional',
        method: 'GET',
        route: '/profiles/{userId}',
        attempt: 1,
        status: 200,
        outcome: 'ok',
        batchSize: null,
        cacheHit: false,
        // The adaptive limit's starting value: the first call to each service.
        concurrencyLimit: 20,
      },
    ]);
    const latestStart = Math.max(...calls.map((c) => c.startMs));
    const earliestEnd = Math.min(...calls.map((c) => c.startMs + c.durationMs));
    expect(latestStart).toBeLessThan(earliestEnd);
  });

  it('shows retries and batch sizes', async () => {
    let failures = 1;
    const { graph } = await setup(
      { personal: (request, res) => (failures-- > 0 ? res.writeHead(503).end() : contractHandlers.personal(request, res)) },
      { UPSTREAM_RETRY_BASE_DELAY_MS: '1' },
    );
    const { body } = await graph.query('{ users(ids: ["u1", "u2"]) { id } }', {}, ASK);
    const calls = (body as { extensions: { upstreamCalls: Call[] } }).extensions.upstreamCalls;
    expect(calls.map((c) => [c.route, c.attempt, c.status, c.batchSize])).toEqual([
      ['/users', 1, 503, 2],
      ['/users', 2, 200, 2],
    ]);
  });

  it('is not in answers that did not ask, nor when turned off (as in production)', async () => {
    const on = await setup();
    expect((await on.graph.query(PROFILE)).body).not.toHaveProperty('extensions');
    const page = await (await fetch(`${on.graph.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('x-graph-upstream-calls');

    const off = await setup({}, { UPSTREAM_CALL_LIST: 'off' });
    expect((await off.graph.query(PROFILE, {}, ASK)).body).not.toHaveProperty('extensions');
    const offPage = await (await fetch(`${off.graph.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(offPage).not.toContain('x-graph-upstream-calls');
  });

  it('@defer: each part carries the calls that ended since the part before', async () => {
    const release = deferred();
    const { graph } = await setup({
      professional: async (request, res) => {
        await release.promise;
        return contractHandlers.professional(request, res);
      },
    });
    const response = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', ...ASK },
      body: JSON.stringify({ query: '{ user(id: "u1") { personal { name } ... @defer { professional { title } } } }' }),
    });
    const stream = parts(response);
    const first = (await stream.next()).value as { extensions: { upstreamCalls: Call[] } };
    // Professional is still held: only personal's call has ended.
    expect(first.extensions.upstreamCalls.map((call) => call.service)).toEqual(['personal']);
    release.resolve();
    const rest: Record<string, unknown>[] = [];
    for await (const part of stream) rest.push(part);
    const later = rest.flatMap((part) => (part.extensions as { upstreamCalls?: Call[] } | undefined)?.upstreamCalls ?? []);
    expect(later.map((call) => [call.service, call.outcome])).toEqual([['professional', 'ok']]);
  });
});
