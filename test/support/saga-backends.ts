/**
 * What the placeOrder suites share: the mutation, quick queue settings, faults of the write
 * services, and the two stores the saga can keep its state in (SQLite, Redis), each with a
 * second handle for the test to read what the graph kept.
 */
import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisSagaStore } from '../../place-order/redis-saga-store.js';
import type { SagaStore } from '../../place-order/saga-store.js';
import { SqliteSagaStore } from '../../place-order/sqlite-saga-store.js';
import { deferred, type Handler } from './fake-upstream.js';
import { hasRedis, startRedis, type RedisServer } from './redis-server.js';
import { freshStatePath } from './server-process.js';
import { unavailable } from './sick-upstream.js';

export const PLACE = `mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status totalCents items { productId quantity unitPriceCents } }
    confirmationEmail
    userErrors { code message field }
  }
}`;

/** A quick queue, so that retries happen within a test. */
export const QUICK = { QUEUE_POLL_MS: '10', QUEUE_RETRY_BASE_MS: '10', QUEUE_RETRY_MAX_MS: '40', UPSTREAM_RETRY_BASE_DELAY_MS: '1' };

export const input = (idempotencyKey: string, items = [{ productId: 'p1', quantity: 2 }], userId = 'u1') => ({
  input: { userId, items, idempotencyKey },
});

export { unavailable };

/** `handler`, except for requests matching `match`, which `fault` answers while `failing()` says so. */
export function failWhile(
  failing: () => boolean,
  match: (method: string, path: string) => boolean,
  fault: Handler,
  handler: Handler,
): Handler {
  return (request, res) => (failing() && match(request.method, request.pathname) ? fault(request, res) : handler(request, res));
}

/** Resolves when a request matching `match` has been answered by `handler` with anything but a 5xx. */
export function answered(match: (method: string, path: string) => boolean, handler: Handler): { handler: Handler; done: Promise<void> } {
  const done = deferred();
  return {
    done: done.promise,
    handler: async (request, res) => {
      await handler(request, res);
      if (match(request.method, request.pathname) && res.headersSent && res.statusCode < 500) done.resolve();
    },
  };
}

/**
 * A service down (503 to the requests `failing` matches) until `back()`; `recovered` resolves
 * once a request `watched` matches has been answered well after that.
 */
export function outage(
  handler: Handler,
  failing: (method: string, path: string) => boolean,
  watched: (method: string, path: string) => boolean,
) {
  let down = true;
  const { handler: faulty, done } = answered(
    watched,
    failWhile(() => down, failing, unavailable, handler),
  );
  return {
    handler: faulty,
    recovered: done,
    back: () => {
      down = false;
    },
  };
}

/**
 * The saga's record once it is in `state`. The graph (perhaps another process) writes it
 * right after the upstream answer the test awaited; this re-reads it until then, giving up
 * after 10 s so that a saga that never gets there fails the test instead of hanging it.
 */
/** The key a saga is stored under: the client's key, scoped to its owner (the ordering user, authentication off). */
export const stored = (key: string, userId = 'u1') => `${userId.length}:${userId}:${key}`;

/**
 * The saga's record once it is in `state`. The graph (perhaps another process) writes it
 * right after the upstream answer the test awaited; this re-reads it until then, giving up
 * after 10 s so that a saga that never gets there fails the test instead of hanging it.
 */
export async function sagaState(backend: Backend, env: Record<string, string>, key: string, state: string): Promise<string | undefined> {
  return readStore(backend, env, async (store) => {
    const giveUpAt = Date.now() + 10_000;
    let seen = (await store.load(stored(key)))?.state;
    while (seen !== state && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = (await store.load(stored(key)))?.state;
    }
    return seen;
  });
}

/** Where the graph keeps its state: the settings that choose it, and a second handle on it. */
export interface Backend {
  readonly name: string;
  /** Fresh state for one graph (or several sharing it). */
  env(): Record<string, string>;
  open(env: Record<string, string>): SagaStore;
  /** Overwrites a stored saga's progress with JSON this code never writes, as a hand edit would. */
  corrupt(env: Record<string, string>, key: string): Promise<void>;
}

/** An order where an order record should be: valid JSON, not a saga's progress. */
const CORRUPT_PROGRESS = JSON.stringify({ order: 5 });

export const SQLITE: Backend = {
  name: 'SQLite',
  env: () => ({ STATE_DB_PATH: freshStatePath() }),
  open: (env) => new SqliteSagaStore({ path: env.STATE_DB_PATH!, ttlMs: 86_400_000, pollMs: 1000 }),
  corrupt: async (env, key) => {
    const db = new DatabaseSync(env.STATE_DB_PATH!);
    db.prepare('UPDATE sagas SET progress = ? WHERE key = ?').run(CORRUPT_PROGRESS, key);
    db.close();
  },
};

/**
 * Call at the top of a test file: one Redis server for the file (where one can be started),
 * the Redis backend over it with a namespace per test, and the suites run on each backend.
 */
export function sagaBackends() {
  let redis: RedisServer | undefined;
  let prefixes = 0;
  beforeAll(async () => {
    if (hasRedis) redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  /** The settings that put a graph's state in the file's Redis, under a fresh namespace. */
  const redisEnv = (name = 'test') => ({ REDIS_URL: redis!.url, REDIS_PREFIX: `${name}${++prefixes}` });
  const REDIS: Backend = {
    name: 'Redis',
    env: () => redisEnv(),
    open: (env) => new RedisSagaStore({ url: env.REDIS_URL!, prefix: env.REDIS_PREFIX!, ttlMs: 86_400_000 }),
    corrupt: async (env, key) => {
      const client = new Redis(env.REDIS_URL!);
      await client.hset(`${env.REDIS_PREFIX!}:saga:${key}`, 'progress', CORRUPT_PROGRESS);
      client.disconnect();
    },
  };
  return {
    REDIS,
    redisEnv,
    /** The same suite for each store; Redis's only where a Redis server can be started. */
    describeEachBackend: (name: string, suite: (backend: Backend) => void): void => {
      describe.each([SQLITE])(name, suite);
      describe.skipIf(!hasRedis).each([REDIS])(name, suite);
    },
  };
}

/** Reads the graph's own store, as an operator or an event consumer would. */
export async function readStore<T>(backend: Backend, env: Record<string, string>, read: (store: SagaStore) => Promise<T>): Promise<T> {
  const store = backend.open(env);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}
