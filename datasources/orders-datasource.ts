import type { Order, LineInput } from '../generated/upstreams/orders/types.gen.js';
import { zError, zGetOrdersOfUserResponse, zOrder } from '../generated/upstreams/orders/zod.gen.js';
import { errorBody } from './error-body.js';
import { HttpDataSource } from './http-datasource.js';
import { path } from './url.js';

/** An order as the orders service answers it (contracts/orders.openapi.yaml), and as the saga's store keeps it. */
export const orderSchema = zOrder;

/** What to order, as the orders and inventory services take it. */
export type OrderLine = LineInput;

export type CreateOrderResult = { placed: true; order: OrderRecord } | { placed: false; message: string };

/** An order as the orders service holds it; the graph's `Order` resolves `user` from `userId`. */
export type OrderRecord = Order;
export type OrderItemRecord = Order['items'][number];

/** One page of a user's orders, in the graph's connection shape. */
export interface OrderPage {
  nodes: OrderRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The cache's tags (upstream-cache.ts): one order, and the pages of one user's orders. */
const orderTag = (orderId: string) => `order:${orderId}`;
const ordersOfUserTag = (userId: string) => `orders:user:${userId}`;

interface PageKey {
  userId: string;
  limit: number;
  cursor: string | null;
}

export class OrdersDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = true;

  private readonly ordersById = this.entityLoader('/orders', 'orders', orderSchema, orderTag);

  // No batch form for a user's orders: one call per (user, page).
  private readonly pages = this.singleLoader(
    'pages',
    ({ userId, limit, cursor }: PageKey): Promise<OrderPage> => {
      // Percent-encoded as RFC 3986 has it (a space as %20, never `+`, which a plain decoder keeps),
      // a lone surrogate as U+FFFD (it has no encoding); a string, not a URLSearchParams a call.
      const query = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${encodeURIComponent(cursor.toWellFormed())}`;
      return this.getJson(`${path`/users/${userId}/orders`}?${query}`, zGetOrdersOfUserResponse, {
        route: '/users/{userId}/orders',
        notFound: 'null',
        tags: [ordersOfUserTag(userId)],
      }).then((found) => {
        // The user exists (personal said so); an orders service that does not know them holds no order of theirs.
        const page = found ?? { orders: [], nextCursor: null };
        return { nodes: page.orders, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
      });
    },
    ({ userId, limit, cursor }) => JSON.stringify([userId, limit, cursor]),
  );

  /** The order, or `null` when the orders service does not know the id. */
  order(id: string): Promise<OrderRecord | null> {
    return this.ordersById.load(id);
  }

  /**
   * Creates the order under the id the graph chose. The write's `Idempotency-Key` is derived
   * from the order id, so that a retry (ours or a recovered saga's) replays the first answer.
   * A 422 `INVALID_ORDER` is a refusal, not a failure.
   */
  async createOrder(order: { orderId: string; userId: string; items: OrderLine[] }): Promise<CreateOrderResult> {
    const response = await this.call({
      method: 'POST',
      path: '/orders',
      route: '/orders',
      body: order,
      idempotencyKey: `${order.orderId}:create`,
      answer: orderSchema,
      invalidates: [ordersOfUserTag(order.userId), orderTag(order.orderId)],
    });
    if (response.status === 422)
      return { placed: false, message: errorBody(response.body, zError)?.message ?? 'The orders service refused the order.' };
    if (response.status !== 201 && response.status !== 200) throw this.statusError(response);
    return { placed: true, order: this.parse(response, orderSchema) };
  }

  /** Cancels the order of `userId` (idempotent); `false` when the orders service does not know it (it was never created). */
  async cancelOrder(orderId: string, userId: string): Promise<boolean> {
    const response = await this.call({
      method: 'POST',
      path: path`/orders/${orderId}/cancel`,
      route: '/orders/{orderId}/cancel',
      idempotencyKey: `${orderId}:cancel`,
      invalidates: [ordersOfUserTag(userId), orderTag(orderId)],
    });
    if (response.status === 404) return false;
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    return true;
  }

  /** A page of the user's orders, newest first. */
  ordersOfUser(userId: string, limit: number, cursor: string | null): Promise<OrderPage> {
    return this.pages.load({ userId, limit, cursor });
  }
}
