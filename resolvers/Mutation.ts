import type { MutationResolvers, ResolversTypes } from '../generated/resolvers-types.js';
import { outageError } from '../place-order/saga-outcomes.js';

export const Mutation: MutationResolvers = {
  placeOrder: async (_, { input }, { orderSaga, scope, viewer }) => {
    // Idempotency keys are the caller's own: the token's subject, else (authentication off) the user ordering.
    const outcome = await orderSaga.place(input, scope, viewer?.userId ?? input.userId);
    switch (outcome.kind) {
      case 'placed':
        return {
          order: outcome.order,
          confirmationEmail: outcome.confirmationEmail,
          userErrors: [],
        } satisfies ResolversTypes['PlaceOrderPayload'];
      case 'refused':
        return {
          order: null,
          confirmationEmail: null,
          userErrors: outcome.userErrors.map(({ code, message, field }) => ({
            code,
            message,
            field: field === undefined ? null : [...field],
          })),
        };
      case 'failed':
        throw outageError(outcome);
    }
  },
};
