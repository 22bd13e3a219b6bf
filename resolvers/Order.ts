import type { OrderResolvers } from '../generated/resolvers-types.js';
import { forbidden } from '../errors/graph-errors.js';
import { mayActFor } from '../security/authorization.js';
import { prefetchUserFields } from './prefetch-user-fields.js';

export const Order: OrderResolvers = {
  // A router's `_entities`: through the orders batch endpoint, and only the caller's own (as `Query.order`).
  __resolveReference: async ({ id }, context) => {
    const order = await context.orders.order(id);
    if (order !== null && !mayActFor(context.viewer, order.userId)) throw forbidden('Order');
    return order;
  },
  user: (order, _, context, info) => {
    prefetchUserFields(context, info, [order.userId]);
    return context.personal.user(order.userId);
  },
};
