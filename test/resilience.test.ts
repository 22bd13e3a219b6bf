/**
 * Resilience against a sick upstream: retries (which calls, how many, how long apart, within
 * which budget), the operation's deadline, client aborts, the circuit breaker and the concurrency
 * limit (the HTTP cache and batch splitting: upstream-cache.test.ts). Faults come from the fakes;
 * the fakes' request logs say what the upstream saw.
 */
import { createLogger } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamRequest, UpstreamResponse } from '../datasources/attempt.js';
import { HttpDataSource } from '../datasources/http-datasource.js';
import { Upstream } from '../datasources/upstream.js';
import { SERVICE_NAMES } from '../errors/service-name.js';
import { loadConfig } from '../server/config.js';
import { PROFILES } from './support/contract-fakes.js';
import { deferred, json, startFakeUpstream, type FakeUpstream, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { HEALTHY_PROFILE, PROFILE_QUERY, profile, QUICK_RETRIES, unavailable } from './support/sick-upstream.js';

const setup = graphHarness();

/** Answers with `failure` the first `count` times, then as a healthy professional service. */
function failingFirst(count: number, failure: Handler): Handler {
  let seen = 0;
  return (request, res) => (++seen <= count ? failure(request, res) : profile(request, res));
}

describe("failures that are the graph's own", () => {
  it('a time limit that fires late because the event loop was busy is overloaded, never counted against the service', async () => {
    // The service answers at once; then the process is busy (here: the fake itself) past the limit.
    const answersThenBlocks: Handler = (request, res) => {
      profile(request, res);
      const until = performance.now() + 400;
      while (performance.now() < until);
    };
    const { fakes, graph } = await setup(
      { professional: answersThenBlocks },
      { PROFESSIONAL_TIMEOUT_MS: '200', UPSTREAM_MAX_RETRIES: '0', PROFESSIONAL_CIRCUIT_MIN_CALLS: '2' },
    );
    for (let i = 0; i < 3; i++) {
      const { body } = await graph.query(PROFILE_QUERY);
      expect(body.errors?.map((e) => e.extensions)).toEqual([
        { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', retryable: true, overloaded: true },
      ]);
    }
    // Two service failures would have opened the circuit: none was counted, every call went out.
    expect(fakes.professional.requests).toHaveLength(3);
  });
});

describe('retries', () => {
  it('a burst of 503s then recovery: retried, and the client sees only the answer', async () => {
    const { fakes, graph } = await setup({ professional: failingFirst(2, unavailable) }, QUICK_RETRIES);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests.map((r) => r.url)).toEqual(['/profiles/u1', '/profiles/u1', '/profiles/u1']);
  });

  it('gives up after the configured number of retries, with the last error', async () => {
    const { fakes, graph } = await setup({ professional: unavailable }, { ...QUICK_RETRIES, PROFESSIONAL_MAX_RETRIES: '1' });
    const { body } = await graph.query(PROFILE_QUERY);
    expect(body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', upstreamStatus: 503, retryable: true },
    ]);
    expect(fakes.professional.requests).toHaveLength(2);
  });

  it('honours Retry-After on 429: the retry comes no sooner than asked', async () => {
    const { fakes, graph } = await setup(
      { professional: failingFirst(1, (_, res) => res.writeHead(429, { 'retry-after': '1' }).end()) },
      QUICK_RETRIES,
    );
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    const [first, second] = fakes.professional.requests;
    expect(fakes.professional.requests).toHaveLength(2);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(990);
  });

  it('does not wait past the operation budget for a Retry-After: it answers with the wait instead', async () => {
    const { fakes, graph } = await setup(
      { professional: (_, res) => res.writeHead(503, { 'retry-after': '30' }).end() },
      { ...QUICK_RETRIES, REQUEST_TIMEOUT_MS: '5000' },
    );
    const { body } = await graph.query(PROFILE_QUERY);
    expect(body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', upstreamStatus: 503, retryable: true, retryAfterMs: 30_000 },
    ]);
    expect(fakes.professional.requests).toHaveLength(1);
  });

  it('never retries 500, 4xx, bad bodies or time-outs', async () => {
    const { fakes, graph } = await setup({ professional: (_, res) => json(res, 500, {}) }, QUICK_RETRIES);
    await graph.query(PROFILE_QUERY);
    fakes.professional.handle((_, res) => json(res, 400, {}));
    await graph.query(PROFILE_QUERY);
    fakes.professional.handle((_, res) => res.writeHead(200).end('not json'));
    await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(3);
  });

  it('keeps retries of a dead upstream within the retry budget', async () => {
    const { fakes, graph } = await setup(
      { professional: unavailable },
      { ...QUICK_RETRIES, UPSTREAM_RETRY_BUDGET_BURST: '2', UPSTREAM_RETRY_BUDGET_RATIO: '0.2' },
    );
    const clientCalls = 20;
    for (let i = 0; i < clientCalls; i++) await graph.query(PROFILE_QUERY);
    const seen = fakes.professional.requests.length;
    // Unbudgeted, 2 retries a call would make 60. The budget allows its burst and 20 % more.
    expect(seen).toBeGreaterThan(clientCalls);
    expect(seen).toBeLessThanOrEqual(clientCalls + 2 + clientCalls * 0.2);
  });
});

describe('retries of writes', () => {
  /** The base data source as any service's subclass uses it, with its call made public for this test. */
  class WriteDataSource extends HttpDataSource {
    protected readonly forwardsAuthorization = false;
    send(request: UpstreamRequest): Promise<UpstreamResponse> {
      return this.call(request);
    }
  }

  let fake: FakeUpstream | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    await fake?.close();
  });

  async function notificationsAnswering(handler: Handler, env: Record<string, string> = {}): Promise<WriteDataSource> {
    fake = await startFakeUpstream(handler);
    const urls = Object.fromEntries(SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_API_URL`, fake!.url]));
    const { upstreams } = loadConfig({ ...urls, ...QUICK_RETRIES, ...env });
    upstream = new Upstream('notifications', fake.url, upstreams.notifications, createLogger('silent'));
    return new WriteDataSource(upstream, {
      requestId: 'r1',
      authorization: undefined,
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
    });
  }

  const email = { to: 'ada@example.com', template: 'order_confirmation', data: { orderId: 'o1', totalCents: 100 } };

  it('a POST without an Idempotency-Key is sent once, whatever the failure', async () => {
    const notifications = await notificationsAnswering(unavailable);
    await expect(notifications.send({ method: 'POST', path: '/emails', route: '/emails', body: email })).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503 },
    });
    expect(fake!.requests).toHaveLength(1);
  });

  it('a call that may not be retried leaves the retry budget to those that may', async () => {
    const notifications = await notificationsAnswering(unavailable, { UPSTREAM_RETRY_BUDGET_BURST: '1' });
    await expect(notifications.send({ method: 'POST', path: '/emails', route: '/emails', body: email })).rejects.toThrow();
    await expect(
      notifications.send({ method: 'POST', path: '/emails', route: '/emails', body: email, idempotencyKey: 'k1' }),
    ).rejects.toThrow();
    // One attempt for the first; the second spends the budget's one retry.
    expect(fake!.requests.map((r) => r.headers['idempotency-key'])).toEqual([undefined, 'k1', 'k1']);
  });

  it('a POST with an Idempotency-Key is retried with the same key and body', async () => {
    const notifications = await notificationsAnswering(failingFirst(2, (_, res) => res.socket?.destroy()));
    const response = await notifications.send({
      method: 'POST',
      path: '/emails',
      route: '/emails',
      body: email,
      idempotencyKey: 'order-o1-email',
    });
    expect(response.status).toBe(200);
    expect(fake!.requests.map((r) => [r.method, r.headers['idempotency-key'], JSON.parse(r.body)])).toEqual([
      ['POST', 'order-o1-email', email],
      ['POST', 'order-o1-email', email],
      ['POST', 'order-o1-email', email],
    ]);
  });
});

describe('deadlines and aborts', () => {
  it('a call gets no more than what is left of the operation budget, and is abandoned at its end', async () => {
    const { fakes, graph } = await setup(
      { professional: () => undefined },
      { REQUEST_TIMEOUT_MS: '300', PROFESSIONAL_TIMEOUT_MS: '60000' },
    );
    const { body } = await graph.query(PROFILE_QUERY);
    expect(body.data).toEqual({ user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: null } });
    expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: 'UPSTREAM_TIMEOUT', service: 'professional', retryable: true }]);
    expect(body.errors?.[0]?.message).toBe('The professional service did not answer in time within the time left for this request.');
    await fakes.professional.requests[0]!.abandoned;
  });

  it('a client that goes away aborts the upstream calls made for it', async () => {
    const { fakes, graph } = await setup({ professional: () => undefined }, { PROFESSIONAL_TIMEOUT_MS: '60000' });
    const client = new AbortController();
    const request = fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PROFILE_QUERY }),
      signal: client.signal,
    }).catch(() => 'aborted');
    await fakes.professional.received(1);
    client.abort();
    expect(await request).toBe('aborted');
    await fakes.professional.requests[0]!.abandoned;
    expect(fakes.professional.requests).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  const BREAKER = { UPSTREAM_MAX_RETRIES: '0', PROFESSIONAL_CIRCUIT_MIN_CALLS: '4', PROFESSIONAL_CIRCUIT_HALF_OPEN_AFTER_MS: '300' };

  it('opens after repeated failures, fails fast without calling, and closes again after a successful trial', async () => {
    const { fakes, graph } = await setup({ professional: unavailable }, BREAKER);
    for (let i = 0; i < 4; i++) expect((await graph.query(PROFILE_QUERY)).body.errors?.[0]?.extensions?.upstreamStatus).toBe(503);
    expect(fakes.professional.requests).toHaveLength(4);

    const open = await graph.query(PROFILE_QUERY);
    expect(open.body.data).toEqual({ user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: null } });
    const extensions = open.body.errors?.[0]?.extensions;
    expect(extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      service: 'professional',
      retryable: true,
      circuit: 'open',
      retryAfterMs: expect.any(Number),
    });
    expect(fakes.professional.requests).toHaveLength(4);
    // Other upstreams are untouched by this one's breaker.
    expect((await graph.query('{ user(id: "u2") { personal { name } } }')).body).toEqual({
      data: { user: { personal: { name: 'Alan Turing' } } },
    });

    fakes.professional.handle(profile);
    // The client waits as long as the error said; then one trial call goes through and closes the circuit.
    await new Promise((resolve) => setTimeout(resolve, (extensions?.retryAfterMs as number) + 20));
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(6);
  });

  it('a failed trial opens it again', async () => {
    const { fakes, graph } = await setup({ professional: unavailable }, BREAKER);
    for (let i = 0; i < 4; i++) await graph.query(PROFILE_QUERY);
    const { retryAfterMs } = (await graph.query(PROFILE_QUERY)).body.errors![0]!.extensions as { retryAfterMs: number };
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 20));
    expect((await graph.query(PROFILE_QUERY)).body.errors?.[0]?.extensions?.upstreamStatus).toBe(503);
    expect((await graph.query(PROFILE_QUERY)).body.errors?.[0]?.extensions?.circuit).toBe('open');
    expect(fakes.professional.requests).toHaveLength(5);
  });

  it('while its trial call is out, other calls fail at once instead of waiting for it', async () => {
    const { fakes, graph } = await setup({ professional: unavailable }, BREAKER);
    for (let i = 0; i < 4; i++) await graph.query(PROFILE_QUERY);
    const { retryAfterMs } = (await graph.query(PROFILE_QUERY)).body.errors![0]!.extensions as { retryAfterMs: number };
    const release = deferred();
    fakes.professional.handle(async (request, res) => {
      await release.promise;
      profile(request, res);
    });
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 20));
    const trial = graph.query(PROFILE_QUERY);
    await fakes.professional.received(5);
    // Answered while the trial is still held by the fake: had it waited for the trial, it would never be.
    // (Another user's profile: the same read would rightly join the trial in flight, upstream-cache.ts.)
    const other = await graph.query('{ user(id: "u3") { id personal { name } professional { title } } }');
    expect(other.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', retryable: true, circuit: 'open' },
    ]);
    release.resolve();
    expect((await trial).body).toEqual(HEALTHY_PROFILE);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(6);
  });

  it('is not opened by answers that say nothing about the service health (404, 4xx)', async () => {
    const { fakes, graph } = await setup({ professional: (_, res) => json(res, 400, {}) }, BREAKER);
    for (let i = 0; i < 8; i++) await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(8);
  });
});

describe('concurrency limit', () => {
  it('bounds the calls in flight and those waiting; past that it fails fast', async () => {
    const release = deferred();
    const { fakes, graph } = await setup(
      {
        professional: async (request, res) => {
          await release.promise;
          json(res, 200, { ...PROFILES.u1, userId: request.pathname.split('/')[2] });
        },
      },
      { PROFESSIONAL_MAX_CONCURRENCY: '1', PROFESSIONAL_MAX_QUEUE: '1' },
    );
    const answer = graph.query('{ users(ids: ["u1", "u2", "u3"]) { id professional { company } } }');
    await fakes.professional.received(1);
    release.resolve();
    const { body } = await answer;
    expect(body.data).toEqual({
      users: [
        { id: 'u1', professional: { company: 'Analytical Engines' } },
        { id: 'u2', professional: { company: 'Analytical Engines' } },
        { id: 'u3', professional: null },
      ],
    });
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['users', 2, 'professional'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'professional', retryable: true, overloaded: true },
      }),
    ]);
    expect(fakes.professional.requests.map((r) => r.url)).toEqual(['/profiles/u1', '/profiles/u2']);
  });
});
