/**
 * A Redis outage with `REDIS_URL` (hostile input, third round, finding 4), with a real Redis
 * stopped, frozen and started again: nothing on a request's path waits for Redis past the
 * request's budget, and `/metrics` answers from what it knows.
 */
import { describe, expect, it } from 'vitest';
import { graphHarness } from './support/harness.js';
import { hasRedis, startRedis } from './support/redis-server.js';
import { writeFakes } from './support/write-fakes.js';

const start = graphHarness();

const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } confirmationEmail } }';
const input = (idempotencyKey: string) => ({ input: { userId: 'u1', items: [{ productId: 'p1', quantity: 1 }], idempotencyKey } });
const BUDGET_MS = 1000;
const SETTINGS = { REQUEST_TIMEOUT_MS: String(BUDGET_MS), QUEUE_RETRY_BASE_MS: '10', QUEUE_RETRY_MAX_MS: '40' };

/** POSTs placeOrder, giving up (a failed test) if no answer comes within three budgets: the graph must answer within one. */
async function place(url: string, key: string): Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: PLACE, variables: input(key) }),
    signal: AbortSignal.timeout(3 * BUDGET_MS),
  });
  return (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
}

const placed = { placeOrder: { order: { id: expect.any(String), status: 'PLACED' }, confirmationEmail: 'SENT' } };

/** Tries `key` again, as a client would, until it is placed: at most `tries` times. */
async function placeUntilPlaced(url: string, key: string, tries = 50): Promise<unknown> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    last = await place(url, key);
    if ((last as { data?: unknown }).data != null) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

describe.skipIf(!hasRedis)('a Redis outage', () => {
  it('/metrics answers while Redis is away, the queue depth marked stale', async () => {
    const redis = await startRedis();
    try {
      const { graph } = await start(writeFakes().handlers, { REDIS_URL: redis.url, REDIS_PREFIX: 'metrics', ...SETTINGS });
      const scrape = async () => (await fetch(`${graph.url}/metrics`, { signal: AbortSignal.timeout(3 * BUDGET_MS) })).text();
      expect(await scrape()).toMatch(/^order_queue_depth_stale 0$/m);
      await redis.kill();
      const text = await scrape();
      expect(text).toMatch(/^order_queue_depth_stale 1$/m);
      expect(text).toMatch(/^order_queue_depth \d+$/m);
    } finally {
      await redis.stop();
    }
  });

  it('a Redis that does not answer: placeOrder is STATE_STORE_UNAVAILABLE within its budget, placed once it answers', async () => {
    const redis = await startRedis();
    try {
      const write = writeFakes();
      const { graph } = await start(write.handlers, { REDIS_URL: redis.url, REDIS_PREFIX: 'frozen', ...SETTINGS });
      expect((await place(graph.url, 'before')).data).toEqual(placed);
      redis.pause();
      const frozen = await place(graph.url, 'frozen');
      expect(frozen.errors?.map((e) => e.extensions?.code)).toEqual(['STATE_STORE_UNAVAILABLE']);
      redis.resume();
      expect(await placeUntilPlaced(graph.url, 'frozen')).toEqual({ data: placed });
      // The tries made while Redis was frozen placed nothing twice.
      expect(write.state.orders.size).toBe(2);
    } finally {
      redis.resume();
      await redis.stop();
    }
  });

  it('Redis started again: placeOrder answers within its budget at once, and is placed exactly once', async () => {
    const redis = await startRedis();
    let again: Awaited<ReturnType<typeof startRedis>> | undefined;
    try {
      const write = writeFakes();
      const { graph } = await start(write.handlers, { REDIS_URL: redis.url, REDIS_PREFIX: 'restarted', ...SETTINGS });
      expect((await place(graph.url, 'before')).data).toEqual(placed);
      await redis.kill();
      expect((await place(graph.url, 'during')).errors?.map((e) => e.extensions?.code)).toEqual(['STATE_STORE_UNAVAILABLE']);
      again = await startRedis(redis.port);
      // The first try after Redis is back answers within the budget, placed or not yet.
      const first = await place(graph.url, 'after');
      expect(first.data ?? first.errors?.map((e) => e.extensions?.code)).toEqual(
        first.data == null ? expect.arrayContaining(['STATE_STORE_UNAVAILABLE']) : placed,
      );
      expect(await placeUntilPlaced(graph.url, 'after')).toEqual({ data: placed });
      expect([...write.state.orders.values()].filter((order) => order.status === 'PLACED')).toHaveLength(2);
    } finally {
      await again?.stop();
    }
  });
});
