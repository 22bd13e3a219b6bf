/**
 * What the saga makes of its steps' results, apart from running them: whether each side
 * succeeded, why an order was refused (the request's fault first) or failed (the outage, kept
 * in the record so that a replay answers the same), the confirmation email, and the ids that
 * stay the same however often a crash makes the saga do a step again.
 */
import { createHash } from 'node:crypto';
import type { CreateOrderResult } from '../datasources/orders-datasource.js';
import type { ReserveResult } from '../datasources/inventory-datasource.js';
import type { PersonalUser } from '../datasources/personal-datasource.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { PlaceOrderOutcome, PlaceOrderRequest, SagaRecord, UserErrorRecord } from './saga-store.js';

export function isPlaced(
  result: PromiseSettledResult<CreateOrderResult>,
): result is PromiseFulfilledResult<CreateOrderResult & { placed: true }> {
  return result.status === 'fulfilled' && result.value.placed;
}

export function isReserved(
  result: PromiseSettledResult<ReserveResult>,
): result is PromiseFulfilledResult<ReserveResult & { reserved: true }> {
  return result.status === 'fulfilled' && result.value.reserved;
}

/** Why the order was not placed: the request's fault first (user errors), else the outage. */
export function refusal(
  request: PlaceOrderRequest,
  created: PromiseSettledResult<CreateOrderResult>,
  reserved: PromiseSettledResult<ReserveResult>,
  unknownUser: boolean,
): PlaceOrderOutcome {
  const userErrors: UserErrorRecord[] = [];
  if (unknownUser) userErrors.push({ code: 'UNKNOWN_USER', message: 'No user has this id.', field: ['input', 'userId'] });
  if (reserved.status === 'fulfilled' && !reserved.value.reserved) {
    const { productId } = reserved.value;
    const line = request.items.findIndex((item) => item.productId === productId);
    userErrors.push({
      code: 'OUT_OF_STOCK',
      message: productId === undefined ? 'Not enough stock.' : `Not enough stock of ${productId}.`,
      ...(line === -1 ? {} : { field: ['input', 'items', String(line), 'quantity'] }),
    });
  }
  if (created.status === 'fulfilled' && !created.value.placed)
    userErrors.push({ code: 'INVALID_ORDER', message: created.value.message, field: ['input'] });
  if (userErrors.length > 0) return { kind: 'refused', userErrors };
  const failure = [created, reserved].find((result): result is PromiseRejectedResult => result.status === 'rejected')?.reason as unknown;
  if (failure instanceof UpstreamError) {
    const { code, service } = failure.extensions;
    return { kind: 'failed', code, service, ...(failure.upstreamStatus === undefined ? {} : { upstreamStatus: failure.upstreamStatus }) };
  }
  throw failure;
}

export function confirmationEmail(user: PersonalUser, order: NonNullable<SagaRecord['progress']['order']>) {
  return {
    to: user.email,
    template: 'order_confirmation',
    data: { orderId: order.id, name: user.name, totalCents: order.totalCents, currency: order.currency, items: order.items },
  };
}

/** An outage replayed from the record, as the error the first answer carried. */
export function outageError(outcome: Extract<PlaceOrderOutcome, { kind: 'failed' }>): UpstreamError {
  return new UpstreamError(outcome.code, outcome.service, {
    failure: outcome.upstreamStatus === undefined ? 'connection' : 'status',
    upstreamStatus: outcome.upstreamStatus,
  });
}

export function describe(error: unknown): string {
  if (error instanceof UpstreamError) {
    const status = error.upstreamStatus === undefined ? '' : ` (HTTP ${error.upstreamStatus})`;
    return `${error.extensions.code} from ${error.extensions.service}${status}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** One id per event of an order, the same however often a crash makes the saga publish it. */
export function eventId(orderId: string, type: string): string {
  const hex = createHash('sha256').update(`${orderId}:${type}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
