import type { MutationResolvers, PlaceOrderPayload } from '../generated/resolvers-types.js';
import { outageError } from '../place-order/order-saga.js';

export const Mutation: MutationResolvers = {
  placeOrder: async (_, { input }, { orderSaga, scope }) => {
    const outcome = await orderSaga.place(input, scope);
    switch (outcome.kind) {
      case 'placed':
        return { order: outcome.order, confirmationEmail: outcome.confirmationEmail, userErrors: [] } satisfies PlaceOrderPayload;
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
