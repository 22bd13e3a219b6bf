import type { UserResolvers } from '../generated/resolvers-types.js';
import { assertValidPageSize } from './orders-args.js';
import { prefetchUserFields } from './prefetch-user-fields.js';

export const User: UserResolvers = {
  // A router's `_entities`: every representation of the request in one personal batch, and the
  // selected professional/orders loads started with it, as for `users(ids:)`.
  __resolveReference: ({ id }, context, info) => {
    prefetchUserFields(context, info, [id]);
    return context.personal.user(id);
  },
  id: (user) => user.id,
  // A user exists because the personal service answered for it: that answer is the parent.
  personal: (user) => user,
  professional: (user, _, context) => context.professional.profile(user.id),
  orders: (user, { first, after }, context) => {
    assertValidPageSize(first);
    return context.orders.ordersOfUser(user.id, first, after ?? null);
  },
};
