// Placing an order safely: one idempotency key per order the user means to place, sent again on retry.
import type { ApolloClient } from '@apollo/client';
import { PlaceOrderDocument, type PlaceOrderMutation, type UserErrorCode } from '../../generated/client/graphql.js';

export async function placeOrder(
  client: ApolloClient,
  userId: string,
  items: { productId: string; quantity: number }[],
  // Made once, when the user presses "Order", and kept until the answer has arrived:
  idempotencyKey: string = crypto.randomUUID(),
): Promise<PlaceOrderMutation['placeOrder'] | undefined> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      const { data } = await client.mutate({ mutation: PlaceOrderDocument, variables: { input: { userId, items, idempotencyKey } } });
      if (data) return data.placeOrder;
    } catch (error) {
      // A lost connection: the same key makes the retry harmless (the graph answers with the first outcome).
      if (attempt === 3) throw error;
    }
  }
  return undefined;
}

/** What to tell the user: `UserErrorCode` is an enum, so this switch is exhaustive. */
export function explain(code: UserErrorCode): string {
  switch (code) {
    case 'OUT_OF_STOCK':
      return 'Not enough in stock.';
    case 'INVALID_ORDER':
      return 'The order cannot be placed as it is.';
    case 'UNKNOWN_USER':
      return 'Sign in again.';
    case 'IDEMPOTENCY_KEY_REUSED':
      return 'This order was already sent with other items.';
  }
}
