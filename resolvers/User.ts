import type { UserResolvers } from '../generated/resolvers-types.js';
import { assertValidPageSize } from './orders-args.js';

export const User: UserResolvers = {
  id: (user) => user.id,
  // A user exists because the personal service answered for it: that answer is the parent.
  personal: (user) => user,
  professional: (user, _, context) => context.professional.profile(user.id),
  orders: (user, { first, after }, context) => {
    assertValidPageSize(first);
    return context.orders.ordersOfUser(user.id, first, after ?? null);
  },
};
