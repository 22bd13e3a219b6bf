/**
 * The five demo services of `../shared/upstreams.md`, reads and writes, over shared
 * in-memory data. `startDemoServices` is what `npm start` (with no `*_API_URL`), the
 * tests and the benchmark use.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { zReserveBody } from '../generated/upstreams/inventory/zod.gen.js';
import { zSendEmailBody } from '../generated/upstreams/notifications/zod.gen.js';
import { zCreateOrderBody } from '../generated/upstreams/orders/zod.gen.js';
import { createDemoData, FAULTY_PROFILE_USERS, type DemoData, type DemoOrder } from './data.js';
import { contractCheck } from './contract-check.js';
import { openApiDocument } from './openapi-document.js';
import { exampleRoutes } from './example-routes.js';
import {
  errorBody,
  startDemoServer,
  type DemoServer,
  type DemoSettings,
  type DemoViewer,
  type Identify,
  type ReadCaching,
  type Route,
} from './demo-server.js';

/** What the contract's "Caching of reads" table says each read's answers carry. */
const CACHING = {
  personal: { cacheControl: 'private, max-age=60', vary: 'Authorization' },
  professional: { cacheControl: 'public, max-age=300, stale-if-error=86400', etag: true, notFound: true },
  orders: { cacheControl: 'private, max-age=30', vary: 'Authorization' },
  inventory: { cacheControl: 'public, max-age=10, stale-if-error=300' },
} as const satisfies Record<string, ReadCaching>;

const MAX_IDS = 100;

const notFound = (what: string) => ({ status: 404, body: errorBody('NOT_FOUND', `${what} not found`) });
const badRequest = (message: string) => ({ status: 400, body: errorBody('BAD_REQUEST', message) });

/** `ids=a,b,c` → the ids, or a 400 answer when there are none or too many. */
function idsParam(query: URLSearchParams, name: string): string[] | { status: number; body: object } {
  const ids = (query.get(name) ?? '').split(',').filter((id) => id !== '');
  if (ids.length === 0) return badRequest(`${name} is required`);
  if (ids.length > MAX_IDS) return badRequest(`at most ${MAX_IDS} ${name}`);
  return ids;
}

/** A user as the caller may see them: `city` only for themselves or an admin, when the caller is known. */
function seenBy(viewer: DemoViewer | undefined, user: DemoData['users'] extends Map<string, infer U> ? U : never) {
  if (viewer === undefined || viewer.admin || viewer.userId === user.id) return user;
  return { ...user, city: null };
}

function personalRoutes(data: DemoData): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/users\/([^/]+)$/,
      caching: CACHING.personal,
      handle: ({ params: [id], viewer }) => {
        const user = data.users.get(id!);
        return user === undefined ? notFound('user') : { status: 200, body: seenBy(viewer, user) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/users$/,
      caching: CACHING.personal,
      handle: ({ query, viewer }) => {
        const ids = idsParam(query, 'ids');
        if (!Array.isArray(ids)) return ids;
        return { status: 200, body: { users: ids.flatMap((id) => data.users.get(id) ?? []).map((user) => seenBy(viewer, user)) } };
      },
    },
  ];
}

function professionalRoutes(data: DemoData): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/profiles\/([^/]+)$/,
      caching: CACHING.professional,
      handle: ({ params: [userId] }) => {
        if (FAULTY_PROFILE_USERS.includes(userId!)) return { status: 503, body: errorBody('UNAVAILABLE', 'profile store shard is down') };
        const profile = data.profiles.get(userId!);
        return profile === undefined ? notFound('profile') : { status: 200, body: profile };
      },
    },
  ];
}

function ordersRoutes(data: DemoData): Route[] {
  const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
  const decodeCursor = (cursor: string) => {
    const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    return match === null ? null : Number(match[1]);
  };
  return [
    {
      method: 'GET',
      pattern: /^\/orders\/([^/]+)$/,
      caching: CACHING.orders,
      handle: ({ params: [id] }) => {
        const order = data.orders.get(id!);
        return order === undefined ? notFound('order') : { status: 200, body: order };
      },
    },
    {
      method: 'GET',
      pattern: /^\/orders$/,
      caching: CACHING.orders,
      handle: ({ query }) => {
        const ids = idsParam(query, 'ids');
        if (!Array.isArray(ids)) return ids;
        return { status: 200, body: { orders: ids.flatMap((id) => data.orders.get(id) ?? []) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/users\/([^/]+)\/orders$/,
      caching: CACHING.orders,
      handle: ({ params: [userId], query }) => {
        const limit = Number(query.get('limit') ?? 20);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) return badRequest('limit is 1..100');
        const cursor = query.get('cursor');
        const offset = cursor === null ? 0 : decodeCursor(cursor);
        if (offset === null) return badRequest('bad cursor');
        const ids = data.ordersByUser.get(userId!) ?? [];
        const page = ids.slice(offset, offset + limit).map((id) => data.orders.get(id)!);
        const next = offset + limit < ids.length ? encodeCursor(offset + limit) : null;
        return { status: 200, body: { orders: page, nextCursor: next } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/orders$/,
      idempotent: true,
      handle: ({ body }) => {
        const input = zCreateOrderBody.safeParse(body);
        if (!input.success) return { status: 422, body: errorBody('INVALID_ORDER', z.prettifyError(input.error)) };
        const { orderId, userId, items } = input.data;
        if (data.orders.has(orderId)) return { status: 422, body: errorBody('INVALID_ORDER', `order ${orderId} exists`) };
        if (!data.users.has(userId)) return { status: 422, body: errorBody('INVALID_ORDER', `unknown user ${userId}`) };
        const unknown = items.find((item) => !data.products.has(item.productId));
        if (unknown !== undefined) return { status: 422, body: errorBody('INVALID_ORDER', `unknown product ${unknown.productId}`) };
        const priced = items.map((item) => ({ ...item, unitPriceCents: data.products.get(item.productId)!.priceCents }));
        const order: DemoOrder = {
          id: orderId,
          userId,
          status: 'PLACED',
          items: priced,
          totalCents: priced.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
          currency: 'EUR',
          createdAt: new Date().toISOString(),
        };
        data.orders.set(orderId, order);
        data.ordersByUser.set(userId, [orderId, ...(data.ordersByUser.get(userId) ?? [])]);
        return { status: 201, body: order };
      },
    },
    {
      method: 'POST',
      pattern: /^\/orders\/([^/]+)\/cancel$/,
      idempotent: true,
      handle: ({ params: [id] }) => {
        const order = data.orders.get(id!);
        if (order === undefined) return notFound('order');
        order.status = 'CANCELLED';
        return { status: 200, body: order };
      },
    },
  ];
}

function inventoryRoutes(data: DemoData): Route[] {
  const reservations = new Map<string, { orderId: string; items: { productId: string; quantity: number }[]; released: boolean }>();
  return [
    {
      method: 'GET',
      pattern: /^\/stock$/,
      caching: CACHING.inventory,
      handle: ({ query }) => {
        const ids = idsParam(query, 'productIds');
        if (!Array.isArray(ids)) return ids;
        const stock = ids.flatMap((productId) => {
          const available = data.stock.get(productId);
          return available === undefined ? [] : [{ productId, available }];
        });
        return { status: 200, body: { stock } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/reservations$/,
      idempotent: true,
      handle: ({ body }) => {
        const input = zReserveBody.safeParse(body);
        if (!input.success) return { status: 422, body: errorBody('INVALID_RESERVATION', z.prettifyError(input.error)) };
        const { orderId, items } = input.data;
        for (const { productId, quantity } of items) {
          if ((data.stock.get(productId) ?? 0) < quantity) {
            return { status: 409, body: errorBody('OUT_OF_STOCK', `not enough ${productId} in stock`, { productId }) };
          }
        }
        for (const { productId, quantity } of items) data.stock.set(productId, data.stock.get(productId)! - quantity);
        const reservationId = `r-${randomUUID()}`;
        reservations.set(reservationId, { orderId, items, released: false });
        return { status: 201, body: { reservationId, orderId, status: 'RESERVED' } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/reservations\/([^/]+)$/,
      handle: ({ params: [id] }) => {
        const reservation = reservations.get(id!);
        if (reservation !== undefined && !reservation.released) {
          reservation.released = true;
          for (const { productId, quantity } of reservation.items) data.stock.set(productId, (data.stock.get(productId) ?? 0) + quantity);
        }
        return { status: 204 };
      },
    },
  ];
}

/** Every email the demo notifications service accepted, oldest first. */
export interface SentEmail {
  messageId: string;
  to: string;
  template: string;
  data: Record<string, unknown>;
}

function notificationsRoutes(sent: SentEmail[]): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/emails$/,
      idempotent: true,
      handle: ({ body }) => {
        const input = zSendEmailBody.safeParse(body);
        if (!input.success) return { status: 422, body: errorBody('INVALID_EMAIL', z.prettifyError(input.error)) };
        const email = { messageId: `m-${randomUUID()}`, ...input.data };
        sent.push(email);
        return { status: 202, body: { messageId: email.messageId } };
      },
    },
  ];
}

export interface DemoServices {
  readonly urls: Record<ServiceName, string>;
  readonly servers: Record<ServiceName, DemoServer>;
  readonly data: DemoData;
  readonly sentEmails: SentEmail[];
  close(): Promise<void>;
}

export interface DemoOptions {
  /** Settings every service starts with (e.g. `{ latencyMs: 50 }`). */
  settings?: Partial<DemoSettings>;
  /** Settings for one service, over `settings`. */
  perService?: Partial<Record<ServiceName, Partial<DemoSettings>>>;
  /** Ports to listen on; 0 (any free port) by default. */
  ports?: Partial<Record<ServiceName, number>>;
  host?: string;
  seed?: number;
  /**
   * When given, each service holds every exchange of its API to its OpenAPI document
   * (contracts/<service>.openapi.yaml) and says each violation here (contract-check.ts).
   */
  onContractViolation?: (violation: string) => void;
  /**
   * The graph's token verification, when its authentication is on: personal and orders (which
   * get the caller's `authorization`) answer for the caller it names; personal shows `city` only to
   * its owner and admins. Without `authorization`, they answer as they always do.
   */
  identify?: Identify;
}

export async function startDemoServices(options: DemoOptions = {}): Promise<DemoServices> {
  const data = createDemoData(options.seed);
  const sentEmails: SentEmail[] = [];
  // A service without routes of its own here is served from its document's examples.
  const handWritten: Partial<Record<ServiceName, Route[]>> = {
    personal: personalRoutes(data),
    professional: professionalRoutes(data),
    orders: ordersRoutes(data),
    inventory: inventoryRoutes(data),
    notifications: notificationsRoutes(sentEmails),
  };
  const started = await Promise.all(
    SERVICE_NAMES.map((name) =>
      startDemoServer(
        name,
        handWritten[name] ?? exampleRoutes(openApiDocument(name)),
        { ...options.settings, ...options.perService?.[name] },
        options.ports?.[name] ?? 0,
        options.host,
        options.onContractViolation === undefined ? undefined : { check: contractCheck(name), onViolation: options.onContractViolation },
        name === 'personal' || name === 'orders' ? options.identify : undefined,
      ),
    ),
  );
  const servers = Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, started[i]!])) as Record<ServiceName, DemoServer>;
  return {
    urls: Object.fromEntries(SERVICE_NAMES.map((name) => [name, servers[name].url])) as Record<ServiceName, string>,
    servers,
    data,
    sentEmails,
    close: async () => {
      await Promise.all(started.map((server) => server.close()));
    },
  };
}
