/**
 * The demo services: what `npm start` serves on a fresh machine. They follow the upstream
 * contract (reads and writes), carry a deterministic data set large enough to explore,
 * and take latency and faults at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from 'graphql-yoga';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { demoRoutes } from '../demo/settings-routes.js';
import { DEMO_USER_COUNT, OUT_OF_STOCK_PRODUCTS } from '../demo/data.js';
import { startDemoServices, type DemoServices } from '../demo/services.js';

let demo: DemoServices;

beforeAll(async () => {
  demo = await startDemoServices();
});

afterAll(async () => {
  await demo.close();
});

const call = async (service: keyof DemoServices['urls'], path: string, init: RequestInit = {}) => {
  const response = await fetch(`${demo.urls[service]}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
};

const write = (service: keyof DemoServices['urls'], path: string, key: string, body: unknown) =>
  call(service, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });

describe('data', () => {
  it('has at least 1,000 users, some without a professional profile, orders with several items, stock with gaps', async () => {
    expect(demo.data.users.size).toBeGreaterThanOrEqual(1000);
    expect(DEMO_USER_COUNT).toBe(demo.data.users.size);
    expect(demo.data.profiles.size).toBeLessThan(demo.data.users.size);
    expect([...demo.data.orders.values()].some((order) => order.items.length > 1)).toBe(true);
    for (const product of OUT_OF_STOCK_PRODUCTS) expect(demo.data.stock.get(product)).toBe(0);
  });

  it('is the same on every start', async () => {
    const again = await startDemoServices();
    try {
      expect([...again.data.users.values()].slice(0, 50)).toEqual([...demo.data.users.values()].slice(0, 50));
      expect(again.data.orders.get('o1')).toEqual(demo.data.orders.get('o1'));
    } finally {
      await again.close();
    }
  });
});

describe('reads, per the contract', () => {
  it("verify forwarded tokens when the graph's authentication is on: city only to its owner and admins", async () => {
    const viewers: Record<string, { userId: string; admin: boolean }> = {
      'Bearer u1-token': { userId: 'u1', admin: false },
      'Bearer u2-token': { userId: 'u2', admin: false },
      'Bearer admin-token': { userId: 'u9', admin: true },
    };
    const own = await startDemoServices({ identify: (authorization) => Promise.resolve(viewers[authorization]) });
    try {
      const city = own.data.users.get('u1')!.city;
      const cityAs = async (path: string, authorization?: string) => {
        const response = await fetch(`${own.urls.personal}${path}`, authorization === undefined ? {} : { headers: { authorization } });
        const body = (await response.json()) as { city?: string | null; users?: { city: string | null }[] };
        return { status: response.status, city: body.users === undefined ? body.city : body.users[0]?.city };
      };
      expect(await cityAs('/users/u1', 'Bearer u1-token')).toEqual({ status: 200, city });
      expect(await cityAs('/users/u1', 'Bearer admin-token')).toEqual({ status: 200, city });
      expect(await cityAs('/users/u1', 'Bearer u2-token')).toEqual({ status: 200, city: null });
      expect(await cityAs('/users?ids=u1', 'Bearer u2-token')).toEqual({ status: 200, city: null });
      expect(await cityAs('/users/u1')).toEqual({ status: 200, city });
      expect((await cityAs('/users/u1', 'Bearer forged')).status).toBe(401);
    } finally {
      await own.close();
    }
  });

  it("carry the contract's caching headers, an ETag answered 304, and none with cacheHeaders off", async () => {
    const own = await startDemoServices();
    try {
      const headers = async (
        service: keyof DemoServices['urls'],
        path: string,
        init: RequestInit = {},
      ): Promise<Record<string, unknown>> => {
        const response = await fetch(`${own.urls[service]}${path}`, init);
        await response.arrayBuffer();
        const picked = ['cache-control', 'vary', 'etag'].map((name) => [name, response.headers.get(name)]);
        return { status: response.status, ...Object.fromEntries(picked.filter(([, value]) => value !== null)) };
      };
      const PRIVATE = { 'cache-control': 'private, max-age=60', vary: 'Authorization' };
      expect(await headers('personal', '/users/u1')).toEqual({ status: 200, ...PRIVATE });
      expect(await headers('personal', '/users?ids=u1,u2')).toEqual({ status: 200, ...PRIVATE });
      expect(await headers('orders', '/users/u1/orders')).toEqual({
        status: 200,
        'cache-control': 'private, max-age=30',
        vary: 'Authorization',
      });
      expect(await headers('inventory', '/stock?productIds=p1')).toEqual({
        status: 200,
        'cache-control': 'public, max-age=10, stale-if-error=300',
      });
      const profile = await headers('professional', '/profiles/u1');
      expect(profile).toEqual({
        status: 200,
        'cache-control': 'public, max-age=300, stale-if-error=86400',
        etag: expect.stringMatching(/^"[\w-]+"$/),
      });
      const etag = String(profile.etag);
      expect(await headers('professional', '/profiles/u1', { headers: { 'if-none-match': etag } })).toEqual({
        status: 304,
        'cache-control': 'public, max-age=300, stale-if-error=86400',
        etag,
      });
      const noProfile = [...own.data.users.keys()].find((id) => !own.data.profiles.has(id))!;
      expect(await headers('professional', `/profiles/${noProfile}`)).toEqual({
        status: 404,
        'cache-control': 'public, max-age=300, stale-if-error=86400',
      });
      own.servers.personal.configure({ cacheHeaders: false });
      expect(await headers('personal', '/users/u1')).toEqual({ status: 200 });
    } finally {
      await own.close();
    }
  });

  it('answers single and batch lookups, leaving unknown ids out', async () => {
    expect((await call('personal', '/users/u1')).body).toMatchObject({ id: 'u1', email: expect.stringContaining('@') });
    expect((await call('personal', '/users/nobody')).status).toBe(404);
    const batch = await call('personal', '/users?ids=u2,nobody,u1');
    expect((batch.body!.users as { id: string }[]).map((u) => u.id).sort()).toEqual(['u1', 'u2']);
    expect((await call('professional', '/profiles/u5')).status).toBe(404);
    expect((await call('professional', '/profiles/u1')).body).toMatchObject({ userId: 'u1' });
    expect((await call('inventory', `/stock?productIds=${OUT_OF_STOCK_PRODUCTS[0]},p1,nope`)).body!.stock).toHaveLength(2);
  });

  it("pages a user's orders newest first with a cursor", async () => {
    const first = await call('orders', '/users/u1/orders?limit=5');
    const orders = first.body!.orders as { createdAt: string }[];
    expect(orders).toHaveLength(5);
    expect(orders.map((o) => o.createdAt)).toEqual([...orders.map((o) => o.createdAt)].sort().reverse());
    const second = await call('orders', `/users/u1/orders?limit=5&cursor=${first.body!.nextCursor as string}`);
    expect(second.body!.orders).toHaveLength(5);
    expect((await call('orders', '/users/u1/orders?limit=0')).status).toBe(400);
  });
});

describe('API descriptions', () => {
  it('each service publishes its OpenAPI document at GET /openapi.json, as a real service would', async () => {
    for (const [name, url] of Object.entries(demo.urls)) {
      const response = await fetch(`${url}/openapi.json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
      expect([document.openapi, document.info.title]).toEqual(['3.1.0', name]);
      expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    }
  });
});

describe('writes, per the contract', () => {
  it('places an order once per Idempotency-Key and refuses the key with another body', async () => {
    const order = { orderId: 'demo-test-1', userId: 'u2', items: [{ productId: 'p1', quantity: 1 }] };
    const first = await write('orders', '/orders', 'k1', order);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'demo-test-1', status: 'PLACED', currency: 'EUR' });
    expect(await write('orders', '/orders', 'k1', order)).toEqual(first);
    expect((await write('orders', '/orders', 'k1', { ...order, userId: 'u3' })).body).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
    expect((await write('orders', '/orders', 'k2', { ...order, orderId: 'x', items: [] })).status).toBe(422);
    const cancelled = await write('orders', '/orders/demo-test-1/cancel', 'k3', undefined);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
  });

  it('reserves stock, refuses what is out of stock with its product, and releases idempotently', async () => {
    const before = demo.data.stock.get('p2')!;
    const reserved = await write('inventory', '/reservations', 'r1', { orderId: 'o-x', items: [{ productId: 'p2', quantity: 1 }] });
    expect(reserved).toMatchObject({ status: 201, body: { orderId: 'o-x', status: 'RESERVED' } });
    expect(demo.data.stock.get('p2')).toBe(before - 1);
    const refused = await write('inventory', '/reservations', 'r2', {
      orderId: 'o-y',
      items: [{ productId: OUT_OF_STOCK_PRODUCTS[0], quantity: 1 }],
    });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'OUT_OF_STOCK', productId: OUT_OF_STOCK_PRODUCTS[0] } } });
    const id = reserved.body!.reservationId as string;
    expect((await call('inventory', `/reservations/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('inventory', `/reservations/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(demo.data.stock.get('p2')).toBe(before);
  });

  it('accepts an email', async () => {
    const sent = await write('notifications', '/emails', 'e1', {
      to: 'a@example.com',
      template: 'order_confirmation',
      data: { orderId: 'o1' },
    });
    expect(sent.status).toBe(202);
    expect(demo.sentEmails.at(-1)).toMatchObject({ to: 'a@example.com', messageId: sent.body!.messageId });
  });
});

describe('run-time settings', () => {
  it('switch faults on and off through the graph server, which then shows partial results', async () => {
    const urls = demo.urls;
    const app = createApp({
      config: loadConfig({ UPSTREAM_TIMEOUT_MS: '1000', STATE_DB_PATH: ':memory:' }),
      urls,
      logger: createLogger('silent'),
      extraRoutes: demoRoutes(demo),
    });
    const server = createServer(app.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const settings = (body: unknown) =>
      fetch(`${base}/demo/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const profile = async () => {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ user(id: "u2") { id professional { title } orders(first: 1) { nodes { id } } } }' }),
      });
      return (await response.json()) as {
        data: { user: Record<string, unknown> };
        errors?: { path: string[]; extensions: Record<string, unknown> }[];
      };
    };
    try {
      // Without caching headers: a cached answer would (rightly) hide the fault switched on below.
      expect((await settings({ orders: { cacheHeaders: false }, professional: { cacheHeaders: false } })).status).toBe(200);
      expect((await profile()).errors).toBeUndefined();
      for (const [fault, code] of [
        ['error', 'UPSTREAM_UNAVAILABLE'],
        ['hang', 'UPSTREAM_TIMEOUT'],
        ['reset', 'UPSTREAM_UNAVAILABLE'],
        ['bad-json', 'UPSTREAM_BAD_RESPONSE'],
      ] as const) {
        expect((await settings({ orders: { fault } })).status).toBe(200);
        const answer = await profile();
        expect(answer.data.user.orders).toBeNull();
        expect(answer.data.user.professional).not.toBeNull();
        expect(answer.errors!.map((e) => [e.path, e.extensions.code])).toEqual([[['user', 'orders'], code]]);
      }
      expect((await settings({ orders: { fault: 'none' } })).status).toBe(200);
      expect((await profile()).errors).toBeUndefined();
      expect((await settings({ orders: { fault: 'sometimes' } })).status).toBe(400);
      expect(await (await fetch(`${base}/demo/settings`)).json()).toMatchObject({ orders: { fault: 'none', latencyMs: 0 } });
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
    }
  });

  it('shows a partial result for u13 out of the box', async () => {
    const response = await fetch(`${demo.urls.professional}/profiles/u13`);
    expect(response.status).toBe(503);
  });
});
