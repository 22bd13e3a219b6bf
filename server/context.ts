/**
 * The three lifetimes of the graph.
 *
 * - Process: `Upstreams` (per service: keep-alive pool, HTTP cache, and the call policy:
 *   circuit breaker, concurrency limit, retry budget), the order saga and the logger, built once by
 *   `createApp`.
 * - Request: `GraphContext`, built here for every GraphQL request: the request id, the
 *   forwarded headers, the operation's deadline, the client's abort signal, and data
 *   sources whose DataLoaders cache and batch for this request only.
 * - Call: its attempts (datasources/call-policy.ts), each one HTTP exchange under its own
 *   time limit (datasources/attempt.ts).
 */
import { randomUUID } from 'node:crypto';
import { types } from 'node:util';
import type { ScopedContext, UpstreamCallRecord } from '../datasources/request-scope.js';
import type { Upstreams } from '../datasources/upstream.js';
import { PersonalDataSource } from '../datasources/personal-datasource.js';
import { ProfessionalDataSource } from '../datasources/professional-datasource.js';
import { OrdersDataSource } from '../datasources/orders-datasource.js';
import { InventoryDataSource } from '../datasources/inventory-datasource.js';
import type { OrderSaga } from '../place-order/order-saga.js';
import { UPSTREAM_CALLS_HEADER } from '../telemetry/upstream-call-list.js';
import { viewerOf, type Viewer } from '../security/authentication.js';
import { errorHandlingFor } from '../execution/error-modes.js';
import type { OperationCost } from '../security/demand-control.js';

/**
 * The context of one GraphQL request. Its `scope` says who made the request (its id, their
 * authorization) and is what every upstream call made for it carries.
 */
export interface GraphContext extends ScopedContext {
  readonly personal: PersonalDataSource;
  readonly professional: ProfessionalDataSource;
  readonly orders: OrdersDataSource;
  readonly inventory: InventoryDataSource;
  /** Process lifetime: places orders (durable, shared by every request). */
  readonly orderSaga: OrderSaga;
  /** The verified caller (security/authentication.ts); `undefined` when authentication is off. */
  readonly viewer: Viewer | undefined;
  /** The operation's cost, set by demand control before it runs (security/demand-control.ts); its lists add their lengths. */
  cost: OperationCost | undefined;
}

export function createContext(
  upstreams: Upstreams,
  orderSaga: OrderSaga,
  request: Request,
  params: Record<string, unknown>,
  settings: { requestTimeoutMs: number; upstreamCallList: boolean },
): GraphContext {
  const { requestTimeoutMs } = settings;
  // Read and checked before anything ran (execution/error-modes.ts): a mode or none.
  const onError = errorHandlingFor(params, ownSignal(request.signal));
  const wantsCalls = settings.upstreamCallList && request.headers.get(UPSTREAM_CALLS_HEADER) === '1';
  const scope = {
    trace: {},
    startedAt: performance.now(),
    ...(wantsCalls ? { callLog: [] as UpstreamCallRecord[] } : {}),
    deadline: Date.now() + requestTimeoutMs,
    // The HTTP layer has already replaced a missing or unsafe id (security/request-id.ts).
    requestId: request.headers.get('x-request-id') ?? randomUUID(),
    authorization: request.headers.get('authorization') ?? undefined,
    signal: onError.signal,
    ...(onError.calls === undefined ? {} : { calls: onError.calls }),
  };
  return {
    request,
    scope,
    onError,
    personal: new PersonalDataSource(upstreams.personal, scope),
    professional: new ProfessionalDataSource(upstreams.professional, scope),
    orders: new OrdersDataSource(upstreams.orders, scope),
    inventory: new InventoryDataSource(upstreams.inventory, scope),
    orderSaga,
    viewer: viewerOf(request),
    cost: undefined,
  };
}

/**
 * The client's signal as a plain AbortSignal of the request's own. Yoga's request signal
 * (@whatwg-node/server) is a Proxy that turns every property read into a string search: the
 * listener each upstream attempt adds to it and removes again read it a dozen times, which the
 * profile of a profile query showed (bench/JOURNAL.md). One listener per request on it, then plain reads.
 * The fast path's signal (server/fast-path.ts) is plain already, and is used as it is.
 */
function ownSignal(client: AbortSignal): AbortSignal {
  if (!types.isProxy(client)) return client;
  if (client.aborted) return AbortSignal.abort(client.reason);
  const own = new AbortController();
  client.addEventListener('abort', () => own.abort(client.reason), { once: true });
  return own.signal;
}
