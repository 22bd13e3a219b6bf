import type { OrderResolvers } from '../generated/resolvers-types.js';
import { prefetchUserFields } from './prefetch-user-fields.js';

export const Order: OrderResolvers = {
  user: (order, _, context, info) => {
    prefetchUserFields(context, info, [order.userId]);
    return context.personal.user(order.userId);
  },
};
