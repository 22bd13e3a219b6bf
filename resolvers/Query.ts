import type { QueryResolvers } from '../generated/resolvers-types.js';
import { badUserInput, nobodySignedIn } from '../errors/graph-errors.js';
import { MAX_BATCH_SIZE } from '../datasources/http-datasource.js';
import { prefetchUserFields } from './prefetch-user-fields.js';

export const Query: QueryResolvers = {
  user: (_, { id }, context, info) => {
    prefetchUserFields(context, info, [id]);
    return context.personal.user(id);
  },
  users: (_, { ids }, context, info) => {
    if (ids.length > MAX_BATCH_SIZE) throw badUserInput(`ids takes at most ${MAX_BATCH_SIZE} ids, got ${ids.length}`, 'ids');
    prefetchUserFields(context, info, ids);
    // One promise per place: an unknown id is null there, a failed lookup an error there.
    return ids.map((id) => context.personal.user(id));
  },
  order: (_, { id }, context) => context.orders.order(id),
  me: (_, __, context, info) => {
    if (context.viewer === undefined) throw nobodySignedIn();
    prefetchUserFields(context, info, [context.viewer.userId]);
    return context.personal.user(context.viewer.userId);
  },
};
