import type { OrderItemResolvers } from '../generated/resolvers-types.js';

export const OrderItem: OrderItemResolvers = {
  available: (item, _, context) => context.inventory.available(item.productId),
  product: (item) => ({ id: item.productId }),
};
