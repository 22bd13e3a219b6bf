/**
 * The writes of the upstream contract, as fakes that keep their state for the test to
 * inspect: orders (create, cancel), inventory (reserve, release) and notifications (emails),
 * each honouring `Idempotency-Key` as `../shared/upstreams.md` says (same key and body:
 * the first answer again and nothing done; same key, other body: 422). Reads fall through
 * to the contract fakes.
 */
import type { ServiceName } from '../../errors/service-name.js';
import { contractHandlers, STOCK } from './contract-fakes.js';
import { followingContract, json, type Handler, type RecordedRequest } from './fake-upstream.js';

interface Answer {
  status: number;
  body?: unknown;
}

interface Line {
  productId: string;
  quantity: number;
}

export const PRICES: Record<string, number> = { p1: 500, p2: 1000, p3: 250 };

/** The orders fake refuses (422) a line of more units than this. */
export const MAX_UNITS_PER_LINE = 10;

export interface WriteState {
  /** Orders by id, as the orders service holds them. */
  orders: Map<
    string,
    {
      id: string;
      userId: string;
      status: 'PLACED' | 'CANCELLED';
      items: (Line & { unitPriceCents: number })[];
      totalCents: number;
      currency: string;
      createdAt: string;
    }
  >;
  /** Reservations by id, with whether they still hold stock. */
  reservations: Map<string, { orderId: string; items: Line[]; released: boolean }>;
  /** Units in stock now (reservations taken off, releases put back). */
  stock: Map<string, number>;
  /** Emails actually sent: once per idempotency key. */
  emails: { to: string; template: string; data: Record<string, unknown>; key: string | undefined }[];
}

export interface WriteFakes {
  state: WriteState;
  handlers: Pick<Record<ServiceName, Handler>, 'orders' | 'inventory' | 'notifications'>;
}

/** Wraps a write so that its `Idempotency-Key` replays the first answer. */
function idempotent(write: (request: RecordedRequest, key: string | undefined) => Answer): Handler {
  const seen = new Map<string, { body: string; answer: Answer }>();
  return (request, res) => {
    const key = request.headers['idempotency-key'];
    const id = typeof key === 'string' ? `${request.method} ${request.pathname} ${key}` : undefined;
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined && first.body !== request.body) {
      return json(res, 422, { error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'key reused with another body' } });
    }
    const answer = first?.answer ?? write(request, typeof key === 'string' ? key : undefined);
    if (id !== undefined && first === undefined) seen.set(id, { body: request.body, answer });
    if (answer.body === undefined) return void res.writeHead(answer.status).end();
    json(res, answer.status, answer.body);
  };
}

export function writeFakes(): WriteFakes {
  const state: WriteState = { orders: new Map(), reservations: new Map(), stock: new Map(Object.entries(STOCK)), emails: [] };
  let reservationSeq = 0;
  let messageSeq = 0;

  const createOrder = idempotent((request) => {
    const { orderId, userId, items } = JSON.parse(request.body) as { orderId: string; userId: string; items: Line[] };
    if (items.some((item) => PRICES[item.productId] === undefined))
      return { status: 422, body: { error: { code: 'INVALID_ORDER', message: 'unknown product' } } };
    if (items.some((item) => item.quantity > MAX_UNITS_PER_LINE))
      return { status: 422, body: { error: { code: 'INVALID_ORDER', message: `at most ${MAX_UNITS_PER_LINE} units a line` } } };
    const priced = items.map((item) => ({ ...item, unitPriceCents: PRICES[item.productId]! }));
    const order = {
      id: orderId,
      userId,
      status: 'PLACED' as const,
      items: priced,
      totalCents: priced.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      currency: 'EUR',
      createdAt: new Date().toISOString(),
    };
    state.orders.set(orderId, order);
    return { status: 201, body: order };
  });
  const cancelOrder = idempotent((request) => {
    const order = state.orders.get(decodeURIComponent(request.pathname.split('/')[2]!));
    if (order === undefined) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such order' } } };
    order.status = 'CANCELLED';
    return { status: 200, body: order };
  });
  const reserve = idempotent((request) => {
    const { orderId, items } = JSON.parse(request.body) as { orderId: string; items: Line[] };
    const short = items.find((item) => (state.stock.get(item.productId) ?? 0) < item.quantity);
    if (short !== undefined)
      return { status: 409, body: { error: { code: 'OUT_OF_STOCK', message: 'not enough', productId: short.productId } } };
    for (const item of items) state.stock.set(item.productId, state.stock.get(item.productId)! - item.quantity);
    const reservationId = `r${++reservationSeq}`;
    state.reservations.set(reservationId, { orderId, items, released: false });
    return { status: 201, body: { reservationId, orderId, status: 'RESERVED' } };
  });
  const sendEmail = idempotent((request, key) => {
    state.emails.push({ ...(JSON.parse(request.body) as Omit<WriteState['emails'][number], 'key'>), key });
    return { status: 202, body: { messageId: `m${++messageSeq}` } };
  });

  return {
    state,
    handlers: {
      orders: followingContract((request, res) => {
        if (request.method === 'POST' && request.pathname === '/orders') return createOrder(request, res);
        if (request.method === 'POST' && /^\/orders\/[^/]+\/cancel$/.test(request.pathname)) return cancelOrder(request, res);
        return contractHandlers.orders(request, res);
      }),
      inventory: followingContract((request, res) => {
        if (request.method === 'POST' && request.pathname === '/reservations') return reserve(request, res);
        const release = /^\/reservations\/([^/]+)$/.exec(request.pathname);
        if (request.method === 'DELETE' && release) {
          const reservation = state.reservations.get(decodeURIComponent(release[1]!));
          if (reservation !== undefined && !reservation.released) {
            reservation.released = true;
            for (const item of reservation.items) state.stock.set(item.productId, state.stock.get(item.productId)! + item.quantity);
          }
          return void res.writeHead(204).end();
        }
        return contractHandlers.inventory(request, res);
      }),
      notifications: followingContract((request, res) => {
        if (request.method === 'POST' && request.pathname === '/emails') return sendEmail(request, res);
        return contractHandlers.notifications(request, res);
      }),
    },
  };
}
