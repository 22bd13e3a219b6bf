/**
 * What spares an upstream calls: the HTTP cache (what it keeps, for whom, and stale-if-error
 * when the service fails) and batches split to fit the URL limit. The fakes' request logs say
 * what the upstream saw.
 */
import { describe, expect, it } from 'vitest';
import { PROFILES, USERS } from './support/contract-fakes.js';
import type { Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { HEALTHY_PROFILE, PROFILE_QUERY, profile, QUICK_RETRIES, unavailable } from './support/sick-upstream.js';

const setup = graphHarness();

describe('HTTP caching', () => {
  const cached =
    (cacheControl: string): Handler =>
    (_, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl }).end(JSON.stringify(PROFILES.u1));
  // Stale at once, yet storable because it can be revalidated (RFC 9111 §5.2.2.4).
  const staleAtOnce =
    (cacheControl: string): Handler =>
    (_, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControl, etag: '"v1"' })
        .end(JSON.stringify(PROFILES.u1));

  it('keeps answers that carry Cache-Control for as long as they say', async () => {
    const { fakes, graph } = await setup({ professional: cached('max-age=60') });
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(1);
  });

  it('does not keep answers without Cache-Control, or marked no-store', async () => {
    const { fakes, graph } = await setup({ professional: profile });
    await graph.query(PROFILE_QUERY);
    fakes.professional.handle(cached('no-store'));
    await graph.query(PROFILE_QUERY);
    await graph.query(PROFILE_QUERY);
    expect(fakes.professional.requests).toHaveLength(3);
  });

  it("never shares an answer to a request that carried a user's authorization, even one marked public", async () => {
    const user = (_: unknown, res: Parameters<Handler>[1]) =>
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' }).end(JSON.stringify(USERS.u1));
    const { fakes, graph } = await setup({ personal: user });
    const query = '{ user(id: "u1") { personal { name } } }';
    await graph.query(query, {}, { authorization: 'Bearer alice' });
    await graph.query(query, {}, { authorization: 'Bearer mallory' });
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual(['Bearer alice', 'Bearer mallory']);
  });

  it('serves a stale answer within stale-if-error when the upstream answers 503', async () => {
    const { fakes, graph } = await setup({ professional: staleAtOnce('max-age=0, stale-if-error=60') }, QUICK_RETRIES);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    fakes.professional.handle(unavailable);
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests.length).toBeGreaterThan(1);
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
