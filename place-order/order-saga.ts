/**
 * `placeOrder` as a saga over three services, driven by a durable record (saga-store.ts):
 *
 *   started ──(order ✓, reservation ✓)──▶ placed ──(email ✓)──▶ completed
 *      │                                     └──(email ✗ every attempt)──▶ dead (replayable)
 *      └──(either ✗)──▶ compensating ──(undo ✓)──▶ refused
 *
 * The order is created and the stock reserved at the same time (the graph chooses the
 * order id), together with the user lookup the email needs. Every upstream write carries an
 * `Idempotency-Key` derived from the order id, so any step can be sent again: a request
 * that ends mid-way, a compensation that fails or a process that dies is resumed from the
 * record by the queue worker, here or in any other process sharing the store, and the
 * services replay what they already did. The client's answer is stored before it is sent,
 * so a repeated request (sequential or concurrent) replays it and never runs the saga again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import type { Caller, RequestScope } from '../datasources/request-scope.js';
import type { Upstreams } from '../datasources/upstream.js';
import { InventoryDataSource } from '../datasources/inventory-datasource.js';
import { NotificationsDataSource } from '../datasources/notifications-datasource.js';
import { OrdersDataSource } from '../datasources/orders-datasource.js';
import { PersonalDataSource, type PersonalUser } from '../datasources/personal-datasource.js';
import { orderInProgress, stateStoreUnavailable } from '../errors/graph-errors.js';
import { checkIdempotencyKey, validate, type PlaceOrderInput } from './order-input.js';
import { confirmationEmail, describe, eventId, isPlaced, isReserved, refusal } from './saga-outcomes.js';
import {
  beforeDeadline,
  type OrderPlacedEvent,
  type PlaceOrderOutcome,
  type PlaceOrderRequest,
  type SagaRecord,
  type SagaStore,
} from './saga-store.js';

/** Told of what operators count: steps queued again, emails dead-lettered. */
export interface SagaObserver {
  retried(step: string): void;
  deadLettered(): void;
}

export interface OrderSagaSettings {
  /** Budget of one run of the saga (`REQUEST_TIMEOUT_MS`). */
  readonly requestTimeoutMs: number;
  /** Time given to the email sent while the client waits; past it, the email is queued. */
  readonly emailTimeoutMs: number;
  /** How long a run holds a saga before another may resume it (longer than a run can take). */
  readonly leaseMs: number;
  /** Queue retries: a delay in [d/2, d) with d = min(max, base × 2^(attempt-1)). */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Attempts at the email before it is dead-lettered. */
  readonly emailMaxAttempts: number;
}

/** How often a repeated request looks whether the first one has its answer. */
const REPLAY_POLL_MS = 25;

export class OrderSaga {
  private stopWorker: (() => Promise<void>) | undefined;

  constructor(
    private readonly upstreams: Upstreams,
    private readonly store: SagaStore,
    private readonly settings: OrderSagaSettings,
    private readonly logger: YogaLogger,
    private readonly observer: SagaObserver = { retried: () => undefined, deadLettered: () => undefined },
  ) {}

  /** Starts the queue worker that resumes sagas whose time has come. */
  start(): void {
    this.stopWorker = this.store.startWorker((key) => this.resume(key), this.settings.leaseMs);
  }

  /** Stops the worker after the runs in progress; the store stays open. */
  async stop(): Promise<void> {
    await this.stopWorker?.();
  }

  /**
   * The mutation: validates, claims the key, runs the saga or replays its first outcome.
   * `owner` is whose idempotency keys these are (the token's subject, or the input's `userId`
   * when authentication is off): another caller's same key is another key.
   */
  async place(input: PlaceOrderInput, caller: Caller, owner: string): Promise<PlaceOrderOutcome> {
    const claimed = { done: false };
    try {
      // Past the budget: still running (once claimed), or a store that did not answer in time.
      const late = () => (claimed.done ? orderInProgress() : stateStoreUnavailable(new Error('no answer within the request budget')));
      return await beforeDeadline(this.placeOrReplay(input, caller, owner, claimed), Date.now() + this.settings.requestTimeoutMs, late);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === 'STATE_STORE_UNAVAILABLE') {
        this.logger.error('placeOrder: the state store failed', {
          requestId: caller.requestId,
          cause: describe((error as { cause?: unknown }).cause),
        });
      }
      throw error;
    }
  }

  private async placeOrReplay(
    input: PlaceOrderInput,
    caller: Caller,
    owner: string,
    claimed: { done: boolean },
  ): Promise<PlaceOrderOutcome> {
    checkIdempotencyKey(input.idempotencyKey);
    // Length-prefixed, so that no owner and key can spell another pair's.
    const key = `${owner.length}:${owner}:${input.idempotencyKey}`;
    const invalid = validate(input);
    if (invalid.length > 0) return { kind: 'refused', userErrors: invalid };

    const request: PlaceOrderRequest = {
      userId: input.userId,
      items: input.items.map(({ productId, quantity }) => ({ productId, quantity })),
    };
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const now = Date.now();
    const claim = await this.store.claim(
      { key, fingerprint, orderId: randomUUID(), request, state: 'started', progress: {}, createdAt: now },
      now + this.settings.leaseMs,
    );
    claimed.done = true;
    if (!claim.created) {
      if (claim.existing.fingerprint !== fingerprint) {
        return {
          kind: 'refused',
          userErrors: [
            {
              code: 'IDEMPOTENCY_KEY_REUSED',
              message: 'This idempotencyKey was used for another order.',
              field: ['input', 'idempotencyKey'],
            },
          ],
        };
      }
      return this.replay(key, now + this.settings.requestTimeoutMs);
    }
    const record = await this.advance(key, this.scope(caller), 'request');
    return record.outcome ?? this.replay(key, now + this.settings.requestTimeoutMs);
  }

  /** The queue worker's entry: carries the saga on from where its record says it is. */
  private async resume(key: string): Promise<void> {
    try {
      // A run scheduled for a claim that was never stored (the store failed in between) has nothing to do.
      if ((await this.store.load(key)) === undefined) return;
      await this.advance(key, this.scope({ requestId: randomUUID(), authorization: undefined }), 'queue');
    } catch (error) {
      // The lease runs out and the saga is tried again; nothing is lost.
      this.logger.error(`order saga ${key}: run failed, retried after its lease`, { cause: String(error) });
    }
  }

  private scope(caller: Caller): RequestScope {
    return {
      requestId: caller.requestId,
      authorization: caller.authorization,
      // A saga's writes must finish whatever the client does: its calls never take the client's
      // signal, but one of their own that is never aborted (a shared one would collect a
      // listener per call in flight: Node warns past ten).
      signal: new AbortController().signal,
      deadline: Date.now() + this.settings.requestTimeoutMs,
    };
  }

  /** Runs the saga's steps from its recorded state until it ends or must wait for the queue. */
  private async advance(key: string, scope: RequestScope, mode: 'request' | 'queue'): Promise<SagaRecord> {
    let record = await this.load(key);
    // The user looked up beside the writes: the email needs their address (kept in memory only).
    let user: PersonalUser | undefined;
    if (record.state === 'started') ({ record, user } = await this.createOrderAndReservation(record, scope));
    if (record.state === 'compensating') record = await this.compensate(record, scope);
    if (record.state === 'placed') record = await this.confirm(record, scope, mode, user);
    return record;
  }

  private async load(key: string): Promise<SagaRecord> {
    const record = await this.store.load(key);
    if (record === undefined) throw new Error(`order saga ${key}: no record`);
    return record;
  }

  private async createOrderAndReservation(record: SagaRecord, scope: RequestScope): Promise<{ record: SagaRecord; user?: PersonalUser }> {
    const { orderId, request } = record;
    const orders = new OrdersDataSource(this.upstreams.orders, scope);
    const inventory = new InventoryDataSource(this.upstreams.inventory, scope);
    const personal = new PersonalDataSource(this.upstreams.personal, scope);
    const items = [...request.items];
    const [created, reserved, user] = await Promise.allSettled([
      orders.createOrder({ orderId, userId: request.userId, items }),
      inventory.reserve(orderId, items),
      personal.user(request.userId),
    ]);
    const unknownUser = user.status === 'fulfilled' && user.value === null;

    if (isPlaced(created) && isReserved(reserved) && !unknownUser) {
      const order = created.value.order;
      const event: OrderPlacedEvent = {
        id: eventId(orderId, 'order.placed'),
        type: 'order.placed',
        occurredAt: new Date().toISOString(),
        order: { id: order.id, userId: order.userId, items: order.items, totalCents: order.totalCents, currency: order.currency },
      };
      const progress = { order, reservationId: reserved.value.reservationId };
      await this.store.update(record.key, { state: 'placed', progress, attempts: 0, runAt: Date.now() + this.settings.leaseMs }, event);
      const found = user.status === 'fulfilled' && user.value !== null ? { user: user.value } : {};
      return { record: { ...record, state: 'placed', progress, attempts: 0 }, ...found };
    }

    // Undo what stands, and what may stand: a write that failed without an answer may have been made.
    const undo = {
      cancelOrder: created.status === 'rejected' || created.value.placed,
      releaseReservation: reserved.status === 'rejected' || reserved.value.reserved,
    };
    const progress = { ...(isReserved(reserved) ? { reservationId: reserved.value.reservationId } : {}), undo };
    const outcome = refusal(request, created, reserved, unknownUser);
    const compensating = undo.cancelOrder || undo.releaseReservation;
    const state = compensating ? 'compensating' : 'refused';
    await this.store.update(record.key, {
      state,
      progress,
      outcome,
      attempts: 0,
      runAt: compensating ? Date.now() + this.settings.leaseMs : null,
    });
    return { record: { ...record, state, progress, outcome, attempts: 0 } };
  }

  /**
   * Cancels the order and releases the stock that may stand, both at once and each on its
   * own: what is done is recorded, what failed is retried from the queue until it is done.
   */
  private async compensate(record: SagaRecord, scope: RequestScope): Promise<SagaRecord> {
    const { orderId, request, progress } = record;
    const cancel = async (): Promise<void> => {
      if (progress.undo?.cancelOrder === true)
        await new OrdersDataSource(this.upstreams.orders, scope).cancelOrder(orderId, request.userId);
    };
    const release = async (): Promise<void> => {
      if (progress.undo?.releaseReservation !== true) return;
      const inventory = new InventoryDataSource(this.upstreams.inventory, scope);
      // The reservation's answer was lost: sending it again under its key replays it, id included.
      const reservationId = progress.reservationId ?? (await reservationOf(inventory, orderId, request));
      if (reservationId !== undefined) await inventory.release(reservationId, request.items);
    };
    const [cancelled, released] = await Promise.allSettled([cancel(), release()]);
    const undo = {
      cancelOrder: cancelled.status === 'rejected',
      releaseReservation: released.status === 'rejected',
    };
    if (!undo.cancelOrder && !undo.releaseReservation) {
      const done = { ...progress, undo };
      await this.store.update(record.key, { state: 'refused', progress: done, runAt: null });
      return { ...record, state: 'refused', progress: done };
    }
    const failure = [cancelled, released].find((result): result is PromiseRejectedResult => result.status === 'rejected')!
      .reason as unknown;
    return this.retryLater({ ...record, progress: { ...progress, undo } }, failure, 'compensation');
  }

  /** Sends the confirmation email; in a request, within a short time so the client is not kept waiting. */
  private async confirm(record: SagaRecord, scope: RequestScope, mode: 'request' | 'queue', known?: PersonalUser): Promise<SagaRecord> {
    const order = record.progress.order!;
    const emailScope =
      mode === 'request' ? { ...scope, deadline: Math.min(scope.deadline, Date.now() + this.settings.emailTimeoutMs) } : scope;
    try {
      const user = known ?? (await new PersonalDataSource(this.upstreams.personal, emailScope).user(record.request.userId));
      if (user === null) throw new Error('the personal service does not know the user any more');
      await new NotificationsDataSource(this.upstreams.notifications, emailScope).send(
        confirmationEmail(user, order),
        `${record.orderId}:confirmation-email`,
      );
      const outcome = record.outcome ?? { kind: 'placed', order, confirmationEmail: 'SENT' };
      await this.store.update(record.key, { state: 'completed', outcome, attempts: 0, runAt: null });
      return { ...record, state: 'completed', outcome };
    } catch (error) {
      const queued = { ...record, outcome: record.outcome ?? { kind: 'placed', order, confirmationEmail: 'QUEUED' } } as const;
      if (record.attempts + 1 >= this.settings.emailMaxAttempts) {
        const lastError = describe(error);
        await this.store.update(record.key, {
          state: 'dead',
          outcome: queued.outcome,
          attempts: record.attempts + 1,
          progress: { ...record.progress, lastError },
          runAt: null,
        });
        this.logger.error(`order ${record.orderId}: confirmation email dead-lettered after ${record.attempts + 1} attempts`, {
          key: record.key,
          lastError,
        });
        this.observer.deadLettered();
        return { ...queued, state: 'dead', attempts: record.attempts + 1 };
      }
      return this.retryLater(queued, error, 'email');
    }
  }

  private async retryLater(record: SagaRecord, error: unknown, step: 'compensation' | 'email'): Promise<SagaRecord> {
    const attempts = record.attempts + 1;
    const cap = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
    const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
    const lastError = describe(error);
    const progress = { ...record.progress, lastError };
    const update = { attempts, progress, runAt: Date.now() + delay, ...(record.outcome === null ? {} : { outcome: record.outcome }) };
    await this.store.update(record.key, update);
    this.logger.warn(
      `order ${record.orderId}: ${step === 'email' ? 'confirmation email' : 'compensation'} failed (attempt ${attempts}), ` +
        `queued for ${delay} ms`,
      {
        key: record.key,
        lastError,
      },
    );
    this.observer.retried(step);
    return { ...record, attempts, progress };
  }

  /** The outcome of a saga another request (or process) is running: waits for it, within the budget. */
  private async replay(key: string, deadline: number): Promise<PlaceOrderOutcome> {
    for (;;) {
      const record = await this.load(key);
      if (record.outcome !== null) return record.outcome;
      if (Date.now() >= deadline) {
        throw orderInProgress();
      }
      await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
    }
  }

  /** Sagas whose email failed every attempt. */
  deadLetters(): Promise<SagaRecord[]> {
    return this.store.deadLetters();
  }

  /** Puts a dead-lettered saga back in the queue, for a fresh round of attempts now. */
  async replayDeadLetter(key: string): Promise<boolean> {
    const record = await this.store.load(key);
    if (record === undefined || record.state !== 'dead') return false;
    await this.store.update(key, { state: 'placed', attempts: 0, runAt: Date.now() });
    this.logger.info(`order ${record.orderId}: dead-lettered email replayed by an operator`, { key });
    return true;
  }
}

/** Reads back a reservation whose answer was lost, by sending it again under its key. */
async function reservationOf(inventory: InventoryDataSource, orderId: string, request: PlaceOrderRequest): Promise<string | undefined> {
  const result = await inventory.reserve(orderId, [...request.items]);
  return result.reserved ? result.reservationId : undefined;
}
