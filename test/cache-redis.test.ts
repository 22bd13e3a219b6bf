/**
 * The upstream cache's shared tier (`UPSTREAM_CACHE=redis`): two graph replicas on one real Redis.
 * What one stored the other reuses; a write on one is seen at once on the other; Redis away, the
 * reads go on as with the cache off (counted as bypasses, one log line a second) and the tier
 * resumes when Redis is back; a full cache never fails an order.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphLogger } from '../telemetry/logger.js';
import { PROFILES, startContractFakes, type Fakes } from './support/contract-fakes.js';
import type { Handler } from './support/fake-upstream.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { hasRedis, startRedis, type RedisServer } from './support/redis-server.js';
import { input, PLACE, QUICK } from './support/saga-backends.js';
import { HEALTHY_PROFILE, PROFILE_QUERY } from './support/sick-upstream.js';
import { writeFakes } from './support/write-fakes.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let close = open.pop(); close !== undefined; close = open.pop()) await close();
});

const answering =
  (body: unknown, headers: Record<string, string>): Handler =>
  (_, res) =>
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/** Fakes, a Redis, and two replicas sharing it (each logging into `lines`). */
async function replicas(
  handlers: Parameters<typeof startContractFakes>[0],
  env: Record<string, string> = {},
  redisArgs: readonly string[] = [],
): Promise<{ fakes: Fakes; redis: RedisServer; graphs: GraphServer[]; lines: Record<string, unknown>[] }> {
  const redis = await startRedis(undefined, redisArgs);
  open.push(() => redis.stop());
  const fakes = await startContractFakes(handlers);
  open.push(() => fakes.close());
  const lines: Record<string, unknown>[] = [];
  const logger = createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>) });
  const graphs: GraphServer[] = [];
  for (let i = 0; i < 2; i++) {
    const graph = await startGraph(fakes.urls, { REDIS_URL: redis.url, REDIS_PREFIX: 'shared', ...env }, { logger });
    open.push(() => graph.close());
    graphs.push(graph);
  }
  return { fakes, redis, graphs, lines };
}

async function lookups(graph: GraphServer): Promise<string[]> {
  const text = await (await fetch(`${graph.url}/metrics`)).text();
  return [...text.matchAll(/^upstream_cache_lookups_total\{service="(\w+)",tier="(\w+)",result="(\w+)"\} (\d+)/gm)].map((m) =>
    m.slice(1).join(' '),
  );
}

/** Resolves once Redis holds `count` cache entries (polled: what the graph has done, not a guess of when). */
async function storedIn(redis: RedisServer, count: number): Promise<void> {
  const client = new Redis(redis.url);
  try {
    while ((await client.zcard('shared:cache:index')) < count) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    client.disconnect();
  }
}

const PUBLIC_PROFILE = answering(PROFILES.u1, { 'cache-control': 'public, max-age=300' });

describe.skipIf(!hasRedis)('the upstream cache shared through Redis', () => {
  it('a second replica reuses what the first stored', async () => {
    const { fakes, graphs, redis } = await replicas({ professional: PUBLIC_PROFILE });
    expect((await graphs[0]!.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    // The first replica writes to Redis after it answers (a miss does not wait for it).
    await storedIn(redis, 1);
    expect((await graphs[1]!.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect((await graphs[1]!.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    expect(fakes.professional.requests).toHaveLength(1);
    // The first time from Redis, then from its own memory.
    expect(await lookups(graphs[1]!)).toEqual(expect.arrayContaining(['professional redis hit 1', 'professional memory hit 1']));
  });

  it('a write on one replica is seen at once on the other', async () => {
    const write = writeFakes();
    const stock: Handler = (request, res) => {
      if (request.method !== 'GET') return write.handlers.inventory(request, res);
      const ids = (request.query.get('productIds') ?? '').split(',');
      answering(
        {
          stock: ids.flatMap((productId) =>
            write.state.stock.has(productId) ? [{ productId, available: write.state.stock.get(productId)! }] : [],
          ),
        },
        { 'cache-control': 'public, max-age=10' },
      )(request, res);
    };
    const { fakes, graphs } = await replicas({ ...write.handlers, inventory: stock }, QUICK);
    const available = async (graph: GraphServer) => (await graph.query('{ order(id: "o1") { items { productId available } } }')).body.data;
    const before = {
      order: {
        items: [
          { productId: 'p1', available: 5 },
          { productId: 'p2', available: 0 },
        ],
      },
    };
    expect(await available(graphs[1]!)).toEqual(before);
    expect(await available(graphs[1]!)).toEqual(before);
    expect(await available(graphs[0]!)).toEqual(before);
    expect(fakes.inventory.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    const placed = await graphs[0]!.query(PLACE, input('key-1', [{ productId: 'p1', quantity: 2 }]));
    expect(placed.body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' } });
    expect(await available(graphs[1]!)).toEqual({
      order: {
        items: [
          { productId: 'p1', available: 3 },
          { productId: 'p2', available: 0 },
        ],
      },
    });
  });

  it('Redis away: reads answered as with the cache off, counted as bypasses, one log line a second; back: the tier resumes', async () => {
    const { fakes, redis, graphs, lines } = await replicas({ professional: PUBLIC_PROFILE });
    const [graph] = graphs as [GraphServer];
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    const port = redis.port;
    await redis.kill();
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    // Every read went to the service, none failed for it.
    expect(fakes.professional.requests).toHaveLength(21);
    expect((await fetch(`${graph.url}/metrics`)).status).toBe(200);
    expect(await lookups(graph)).toContain('professional redis bypass 20');
    const complaints = lines.filter((line) => String(line.msg).startsWith('upstream cache: Redis is not answering'));
    expect(complaints.length).toBeGreaterThan(0);
    // Two replicas, each at most one line a second.
    expect(complaints.length).toBeLessThanOrEqual(2 * seconds);
    // Back where it was: the tier is used again.
    const again = await startRedis(port);
    open.push(() => again.stop());
    const client = new Redis(again.url);
    await client.ping();
    client.disconnect();
    for (;;) {
      await graph.query(PROFILE_QUERY);
      if ((await lookups(graph)).some((line) => line.startsWith('professional memory hit') || line.startsWith('professional redis hit')))
        break;
    }
  });

  it('Redis hanging (paused): reads are answered within their deadline, counted as bypasses', async () => {
    const { fakes, redis, graphs } = await replicas({ professional: PUBLIC_PROFILE }, { REQUEST_TIMEOUT_MS: '3000' });
    const [graph] = graphs as [GraphServer];
    expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
    redis.pause();
    try {
      for (let i = 0; i < 3; i++) expect((await graph.query(PROFILE_QUERY)).body).toEqual(HEALTHY_PROFILE);
      expect((await fetch(`${graph.url}/metrics`)).status).toBe(200);
      expect(await lookups(graph)).toContain('professional redis bypass 3');
      expect(fakes.professional.requests).toHaveLength(4);
    } finally {
      redis.resume();
    }
  });

  it('a full cache never fails an order: its bytes in Redis stay within their bound', async () => {
    const write = writeFakes();
    const user = (id: string) => ({ id, name: id, email: `${id}@example.com`, birthDate: null, avatarUrl: null, city: null });
    const anyUser: Handler = (request, res) => {
      const single = /^\/users\/([^/]+)$/.exec(request.pathname);
      if (single) return answering(user(decodeURIComponent(single[1]!)), {})(request, res);
      answering({ users: (request.query.get('ids') ?? '').split(',').map(user) }, {})(request, res);
    };
    const bigProfile: Handler = (request, res) =>
      answering(
        { ...PROFILES.u1, userId: decodeURIComponent(request.pathname.split('/')[2]!), skills: ['x'.repeat(2000)] },
        { 'cache-control': 'public, max-age=300' },
      )(request, res);
    const { redis, graphs } = await replicas(
      { ...write.handlers, personal: anyUser, professional: bigProfile },
      { ...QUICK, UPSTREAM_CACHE_REDIS_MAX_BYTES: String(1 << 20) },
      ['--maxmemory', '16mb', '--maxmemory-policy', 'noeviction'],
    );
    // About 3 MiB of distinct profiles for a cache of 1 MiB.
    for (let i = 0; i < 100; i++) {
      const ids = Array.from({ length: 10 }, (_, j) => `"user-${i * 10 + j}"`).join(', ');
      const { body } = await graphs[i % 2]!.query(`{ users(ids: [${ids}, "u1"]) { professional { title } } }`);
      expect(body.errors).toBeUndefined();
    }
    const client = new Redis(redis.url);
    try {
      const bytes = Number(await client.get('shared:cache:bytes'));
      expect(bytes).toBeGreaterThan(512 * 1024);
      expect(bytes).toBeLessThanOrEqual(1 << 20);
    } finally {
      client.disconnect();
    }
    // The saga's state shares that Redis: the order is placed.
    const placed = await graphs[1]!.query(PLACE, input('key-1'));
    expect(placed.body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' }, confirmationEmail: 'SENT' });
  });
});
