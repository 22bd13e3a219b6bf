/**
 * `placeOrder`'s input, checked before anything is claimed or sent: what the services would
 * refuse anyway is refused here, each problem at its own field.
 */
import { badUserInput } from '../errors/graph-errors.js';
import type { UserErrorRecord } from './saga-store.js';

/** What the client sends (`PlaceOrderInput` in the SDL). */
export interface PlaceOrderInput {
  readonly userId: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  readonly idempotencyKey: string;
}

/** Longest idempotency key; a longer one is `BAD_USER_INPUT`. */
const MAX_KEY_LENGTH = 200;
/** Lines of one order. */
const MAX_LINES = 100;
/** Units of one line. */
const MAX_QUANTITY = 1_000_000;

/** An idempotency key of 1 to 200 characters, or `BAD_USER_INPUT`: a request error, not a refusal. */
export function checkIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH)
    throw badUserInput(`idempotencyKey must be 1 to ${MAX_KEY_LENGTH} characters`, 'input.idempotencyKey');
}

/** Input the services would refuse anyway, refused before any call. */
export function validate(input: PlaceOrderInput): UserErrorRecord[] {
  const errors: UserErrorRecord[] = [];
  if (input.userId.trim() === '') errors.push({ code: 'INVALID_ORDER', message: 'userId is empty.', field: ['input', 'userId'] });
  if (input.items.length === 0 || input.items.length > MAX_LINES) {
    errors.push({ code: 'INVALID_ORDER', message: `An order has 1 to ${MAX_LINES} lines.`, field: ['input', 'items'] });
  }
  const seen = new Set<string>();
  input.items.forEach(({ productId, quantity }, line) => {
    if (productId.trim() === '' || seen.has(productId)) {
      errors.push({
        code: 'INVALID_ORDER',
        message: 'Each line names a different product.',
        field: ['input', 'items', String(line), 'productId'],
      });
    }
    seen.add(productId);
    if (quantity < 1 || quantity > MAX_QUANTITY) {
      errors.push({
        code: 'INVALID_ORDER',
        message: `quantity is 1 to ${MAX_QUANTITY}.`,
        field: ['input', 'items', String(line), 'quantity'],
      });
    }
  });
  return errors;
}
