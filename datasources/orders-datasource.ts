import { z } from 'zod';
import { HttpDataSource } from './http-datasource.js';
import { path } from './url.js';

const orderItemSchema = z.object({
  productId: z.string(),
  quantity: z.int32(),
  unitPriceCents: z.int32(),
});

const orderSchema = z.object({
  id: z.string(),
  userId: z.string(),
  status: z.enum(['PLACED', 'CANCELLED']),
  items: z.array(orderItemSchema),
  totalCents: z.int32(),
  currency: z.string(),
  createdAt: z.string(),
});

const orderPageSchema = z.object({
  orders: z.array(orderSchema),
  nextCursor: z.string().nullable(),
});

/** An order as the orders service holds it; the graph's `Order` resolves `user` from `userId`. */
export type OrderRecord = z.infer<typeof orderSchema>;
export type OrderItemRecord = z.infer<typeof orderItemSchema>;

/** One page of a user's orders, in the graph's connection shape. */
export interface OrderPage {
  nodes: OrderRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface PageKey {
  userId: string;
  limit: number;
  cursor: string | null;
}

export class OrdersDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = true;

  private readonly ordersById = this.entityLoader('/orders', 'orders', orderSchema);

  // No batch form for a user's orders: one call per (user, page).
  private readonly pages = this.singleLoader(
    async ({ userId, limit, cursor }: PageKey): Promise<OrderPage> => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== null) query.set('cursor', cursor);
      // The user exists (personal said so); an orders service that does not know them holds no order of theirs.
      const page = (await this.getJson(`${path`/users/${userId}/orders`}?${query}`, orderPageSchema, { notFound: 'null' })) ?? {
        orders: [],
        nextCursor: null,
      };
      return { nodes: page.orders, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
    },
    ({ userId, limit, cursor }) => JSON.stringify([userId, limit, cursor]),
  );

  /** The order, or `null` when the orders service does not know the id. */
  order(id: string): Promise<OrderRecord | null> {
    return this.ordersById.load(id);
  }

  /** A page of the user's orders, newest first. */
  ordersOfUser(userId: string, limit: number, cursor: string | null): Promise<OrderPage> {
    return this.pages.load({ userId, limit, cursor });
  }
}
