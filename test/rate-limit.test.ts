/**
 * Rate limiting per caller: the token's subject, else the client's IP; in memory, and in a
 * real Redis shared by two server processes.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphLogger } from '../telemetry/logger.js';
import { startContractFakes, type Fakes } from './support/contract-fakes.js';
import { startGraph } from './support/graph.js';
import { graphHarness } from './support/harness.js';
import { processHarness } from './support/process-harness.js';
import { hasRedis, startRedis, type RedisServer } from './support/redis-server.js';
import { bearer, HMAC_AUTH, hmacToken } from './support/tokens.js';

const start = graphHarness();
const QUERY = '{ user(id: "u1") { id } }';

async function post(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter: string | null; body: { errors?: { extensions?: Record<string, unknown> }[] } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as never };
}

/** The statuses of `n` requests sent one after another. */
async function statuses(url: string, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await post(url, headers)).status);
  return seen;
}

/** Waits out a refusal's Retry-After, then expects to be served again (within a bounded time). */
async function servedAgainAfter(url: string, retryAfterSeconds: number, headers: Record<string, string> = {}): Promise<void> {
  await delay(retryAfterSeconds * 1000);
  const until = Date.now() + 2000;
  let status = (await post(url, headers)).status;
  while (status === 429 && Date.now() < until) {
    await delay(50);
    status = (await post(url, headers)).status;
  }
  expect(status).toBe(200);
}

describe('rate limit, in memory', () => {
  it('serves RATE_LIMIT_REQUESTS in a window, refuses the next (429 RATE_LIMITED, Retry-After), serves again after it', async () => {
    const { graph, fakes } = await start({}, { RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW_S: '1' });
    expect(await statuses(graph.url, 3)).toEqual([200, 200, 200]);
    const refused = await post(graph.url);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body).toEqual({
      errors: [
        {
          message: 'Too many requests: try again in 1 s.',
          extensions: { code: 'RATE_LIMITED', retryable: true, retryAfterMs: expect.any(Number) },
        },
      ],
    });
    expect(fakes.personal.requests).toHaveLength(3);
    await servedAgainAfter(graph.url, 1);
  });

  it('counts per token subject: one user running out leaves another served', async () => {
    const { graph } = await start({}, { ...HMAC_AUTH, RATE_LIMIT_REQUESTS: '2' });
    const ada = bearer(await hmacToken('u1'));
    const alan = bearer(await hmacToken('u2'));
    expect(await statuses(graph.url, 3, ada)).toEqual([200, 200, 429]);
    expect(await statuses(graph.url, 2, alan)).toEqual([200, 200]);
    // Another token of the same subject shares the subject's count.
    expect((await post(graph.url, bearer(await hmacToken('u1', { expiresIn: 600 })))).status).toBe(429);
  });

  it('counts refused tokens against the client IP: guessing tokens is limited too', async () => {
    const { graph } = await start({}, { ...HMAC_AUTH, RATE_LIMIT_REQUESTS: '2' });
    const forged = bearer(await hmacToken('u1', { secret: 'a-guess-at-the-secret-of-thirty-two-chars' }));
    expect(await statuses(graph.url, 3, forged)).toEqual([401, 401, 429]);
  });

  it('takes the client IP from x-forwarded-for only with TRUST_PROXY', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': `203.0.113.9, ${ip}` });
    const trusting = await start({}, { RATE_LIMIT_REQUESTS: '1', TRUST_PROXY: 'on' });
    expect([
      ...(await statuses(trusting.graph.url, 2, from('198.51.100.1'))),
      ...(await statuses(trusting.graph.url, 1, from('198.51.100.2'))),
    ]).toEqual([200, 429, 200]);

    const direct = await start({}, { RATE_LIMIT_REQUESTS: '1' });
    expect([
      ...(await statuses(direct.graph.url, 1, from('198.51.100.1'))),
      ...(await statuses(direct.graph.url, 1, from('198.51.100.2'))),
    ]).toEqual([200, 429]);
  });

  it('is off with RATE_LIMIT_REQUESTS=0', async () => {
    const { graph } = await start({}, { RATE_LIMIT_REQUESTS: '0' });
    expect(new Set(await statuses(graph.url, 20))).toEqual(new Set([200]));
  });
});

describe.skipIf(!hasRedis)('rate limit, shared through Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  const processes = processHarness();

  it('two server processes count against one limit, and both serve again when the window is over', async () => {
    const { urlEnv } = await processes.fakes();
    const env = { ...urlEnv, REDIS_URL: redis.url, REDIS_PREFIX: 'shared-limit', RATE_LIMIT_REQUESTS: '4', RATE_LIMIT_WINDOW_S: '2' };
    const [a, b] = await Promise.all([processes.server(env), processes.server(env)]);
    expect([...(await statuses(a.url, 2)), ...(await statuses(b.url, 2))]).toEqual([200, 200, 200, 200]);
    const refusedByA = await post(a.url);
    const refusedByB = await post(b.url);
    expect([refusedByA.status, refusedByB.status]).toEqual([429, 429]);
    expect(refusedByB.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    await servedAgainAfter(a.url, Number(refusedByA.retryAfter));
    expect((await post(b.url)).status).toBe(200);
  });

  it('with Redis gone, each process goes on serving and limiting in memory, and says so once', async () => {
    const own = await startRedis();
    let fakes: Fakes | undefined;
    let closeGraph: (() => Promise<void>) | undefined;
    try {
      const lines: { level: string; msg: string }[] = [];
      const logger = createGraphLogger('info', {
        write: (chunk: string) => void lines.push(JSON.parse(chunk) as { level: string; msg: string }),
      });
      fakes = await startContractFakes();
      const graph = await startGraph(fakes.urls, { REDIS_URL: own.url, REDIS_PREFIX: 'gone', RATE_LIMIT_REQUESTS: '3' }, { logger });
      closeGraph = () => graph.close();
      expect(await statuses(graph.url, 1)).toEqual([200]);
      await own.kill();
      // Served, then limited: never a 5xx and never unlimited (the exact count during the
      // switch to memory is the library's business).
      const seen = await statuses(graph.url, 6);
      expect(seen[0]).toBe(200);
      expect(seen.at(-1)).toBe(429);
      expect(seen.every((status) => status === 200 || status === 429)).toBe(true);
      // The operator is told once, not once per request.
      expect(lines.filter((line) => line.msg.startsWith('rate limit: Redis is unreachable'))).toHaveLength(1);
    } finally {
      await closeGraph?.();
      await fakes?.close();
      await own.stop();
    }
  });
});
